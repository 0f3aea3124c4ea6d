"""Finding backup codes, TOTP secrets and the rest inside one item (sparekey.transfer.finding)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparekey.transfer.finding import Item, find_account, is_totp_secret, names_codes
from tests.transfer.fixtures import TOTP_SECRET, TOTP_URI, corpus_codes, corpus_text


def found(notes: str = "", **parts: object) -> object:
    return find_account(
        Item(name=str(parts.pop("name", "Brand X")), origin="item 1", notes=notes, **parts)
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name",
    [
        "github-file",
        "google-file",
        "gitlab-file",
        "dropbox-line",
        "crlf-bom",
        "tab-grid",
        "numbered-parens",
        "comma-separated",
        "nbsp-web",
        "pypi-copy",
        "discord-file",
        "microsoft-single",
        "pasted-twice",
    ],
)
def test_a_note_that_is_a_corpus_code_list_becomes_the_code_set(name: str) -> None:
    account = found(corpus_text(name))
    assert account.codes[0].codes == corpus_codes(name)
    assert account.codes[0].source == "notes"


def test_prose_around_codes_stays_in_the_notes() -> None:
    notes = f"Shared by the social team.\n\n{corpus_text('google-file')}\nAsk Bob before using one."
    account = found(notes)
    assert account.codes[0].codes == corpus_codes("google-file")
    assert "Shared by the social team." in account.notes
    assert "Ask Bob before using one." in account.notes
    assert "You can only use each backup code once." in account.notes
    assert not any(code in account.notes for code in corpus_codes("google-file"))


def test_a_heading_in_the_note_marks_a_short_list_and_goes_with_it() -> None:
    account = found(
        "Login via SSO.\nRecovery codes:\nabcd-1234\nefgh-5678\n\nCall IT if locked out."
    )
    assert account.codes[0].codes == ["abcd-1234", "efgh-5678"]
    assert account.notes == "Login via SSO.\n\nCall IT if locked out."


@pytest.mark.parametrize(
    "heading",
    [
        "Backup codes:",
        "MFA backup codes",
        "Emergency codes",
        "Wiederherstellungscodes:",
        "Backup-Codes",
        "Codes de récupération :",
        "Codes de secours",
        "Códigos de recuperación:",
        "Códigos de backup",
        "Codici di recupero",
        "Códigos de recuperação",
        "Herstelcodes",
        "Back-upcodes",
    ],
)
def test_headings_in_the_supported_languages_mark_a_code_list(heading: str) -> None:
    account = found(
        f"Some words about the account.\nMore words here.\n{heading}\n1234-5678\n8765-4321"
    )
    assert account.codes and account.codes[0].codes == ["1234-5678", "8765-4321"]


def test_a_lone_number_in_prose_is_not_a_code_list() -> None:
    account = found("Customer number:\n12345678\nContract runs until March.")
    assert account.codes == []
    assert "12345678" in account.notes


def test_several_lists_the_first_is_the_code_set_the_others_stay_with_a_warning() -> None:
    github, gitlab = corpus_text("github-file"), corpus_text("gitlab-file")
    notes = f"Recovery codes:\n{github}\nOld codes (revoked):\n{gitlab}"
    account = found(notes)
    assert len(account.codes) == 1
    assert account.codes[0].codes == corpus_codes("github-file")
    assert all(code in account.notes for code in corpus_codes("gitlab-file"))
    assert any("1 more list" in warning for warning in account.warnings)


def test_lists_separated_only_by_a_blank_line_are_two_lists() -> None:
    account = found("1111-2222\n3333-4444\n\n5555-6666\n7777-8888")
    assert account.codes[0].codes == ["1111-2222", "3333-4444"]
    assert "5555-6666\n7777-8888" in account.notes
    assert account.warnings


def test_a_double_spaced_list_is_one_list() -> None:
    account = found("1111-2222\n\n3333-4444\n\n5555-6666")
    assert account.codes[0].codes == ["1111-2222", "3333-4444", "5555-6666"]
    assert account.warnings == []


def test_a_list_the_parser_refuses_is_a_warning_and_stays_in_the_notes() -> None:
    # U+0430 (Cyrillic) only looks like a Latin "a": the parser refuses such a code.
    notes = "Recovery codes:\n1234-5678\n\u0430bcd-1234\n"
    account = found(notes)
    assert account.codes == []
    assert account.warnings[0].startswith("The backup codes in the notes could not be read.")
    # Line 3 of the notes; the warning names no part of the code.
    assert "Line 3:" in account.warnings[0]
    assert "bcd" not in account.warnings[0]
    assert "\u0430bcd-1234" in account.notes and "1234-5678" in account.notes


def test_a_code_list_field_in_another_language_is_read() -> None:
    account = found(fields=[("Wiederherstellungscodes", corpus_text("github-file"))])
    assert account.codes[0].codes == corpus_codes("github-file")
    assert account.codes[0].source == "field “Wiederherstellungscodes”"
    assert account.notes == ""


def test_a_refused_field_list_is_kept_in_the_notes_with_a_warning() -> None:
    account = found(fields=[("Backup codes", "1234-5678\n\u0430bcd-1234")])
    assert account.codes == []
    assert account.notes == "Backup codes: 1234-5678\n\u0430bcd-1234"
    assert account.warnings and "field “Backup codes”" in account.warnings[0]


def test_codes_in_a_field_and_in_the_notes_the_field_wins_the_notes_stay() -> None:
    account = found(
        f"Recovery codes:\n{corpus_text('gitlab-file')}",
        fields=[("Recovery codes", corpus_text("github-file"))],
    )
    assert account.codes[0].codes == corpus_codes("github-file")
    assert all(code in account.notes for code in corpus_codes("gitlab-file"))
    assert account.warnings


def test_a_totp_uri_in_the_notes_is_taken_with_the_codes() -> None:
    account = found(f"{TOTP_URI}\nBackup codes:\n{corpus_text('dropbox-line')}\nPIN 4711")
    assert account.totp == TOTP_URI
    assert account.codes[0].codes == corpus_codes("dropbox-line")
    assert account.notes == "PIN 4711"


@pytest.mark.parametrize("name", ["TOTP", "One-time password", "otp", "TOTP Seed"])
def test_a_totp_field_is_the_totp_secret(name: str) -> None:
    account = found(fields=[(name, TOTP_SECRET)])
    assert account.totp == TOTP_SECRET
    assert account.notes == ""


def test_a_totp_field_that_is_no_secret_stays_in_the_notes() -> None:
    account = found(fields=[("TOTP Settings", "30;6")])
    assert account.totp == ""
    assert account.notes == "TOTP Settings: 30;6"


def test_unknown_fields_are_kept_as_name_and_value() -> None:
    account = found(
        "Main notes", fields=[("Support PIN", "4711"), ("Verified", "true"), ("Empty", "")]
    )
    assert account.notes == "Main notes\n\nSupport PIN: 4711\n\nVerified: true"


def test_a_password_field_fills_an_empty_password() -> None:
    assert found(fields=[("Password", "s3cret")]).password == "s3cret"
    kept = found(password="first", fields=[("Password", "second")])
    assert kept.password == "first" and "Password: second" in kept.notes


def test_exported_codes_are_read_exactly_with_their_used_positions() -> None:
    account = found(
        "1111-2222\n3333-4444\n5555-6666\n7777-8888\n9999-0000",
        exported_codes=("abcdefgh\n12345678", "zyxwvuts"),
    )
    codes = account.codes[0]
    assert codes.codes == ["abcdefgh", "12345678", "zyxwvuts"]
    assert codes.used == frozenset({2})
    # The notes of an exported account are its notes: nothing is taken out of them.
    assert account.notes == "1111-2222\n3333-4444\n5555-6666\n7777-8888\n9999-0000"


def test_a_note_named_like_codes_is_read_whole() -> None:
    account = found("1234-5678\n8765-4321", name="GitHub recovery codes")
    assert account.codes[0].codes == ["1234-5678", "8765-4321"]


def test_an_item_without_a_name_is_named_and_warned_about() -> None:
    account = found("hello", name="  ")
    assert account.name == "(no name)"
    assert account.warnings


def test_huge_notes_are_kept_whole_and_not_searched() -> None:
    notes = "prose line\n" * 7000
    account = found(notes)
    assert account.notes == notes.strip("\n")
    assert account.codes == []
    assert "not searched" in account.warnings[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (TOTP_SECRET, True),
        ("jbsw y3dp ehpk 3pxp", True),
        (TOTP_URI, True),
        ("123456", False),
        ("not a secret at all", False),
    ],
)
def test_totp_secrets_are_recognised(value: str, expected: bool) -> None:
    assert is_totp_secret(value) is expected


def test_ordinary_words_do_not_name_codes() -> None:
    assert not names_codes("Security questions")
    assert not names_codes("Postcode")
    assert names_codes("2FA codes")


def test_a_note_without_codes_keeps_all_its_text() -> None:
    account = found(corpus_text("no-codes"))
    assert account.codes == []
    assert account.notes == corpus_text("no-codes").strip("\n")


def test_a_letters_only_line_without_proof_in_its_list_stays_in_the_notes() -> None:
    # "AAAA-AAAA" is a code only beside a digit-bearing code of its shape, which here is in
    # another list; the first list takes "000000" and the letters stay in the notes.
    account = found("000000\nAAAA-AAAA\n\n0000-0000")
    assert account.codes[0].codes == ["000000"]
    assert "AAAA-AAAA" in account.notes


def test_parser_warnings_count_lines_of_the_notes_and_quote_no_code() -> None:
    account = found("Hello\n\nRecovery codes:\n1234-5678\n2345-6789\n3456-7890\n12345-67890")
    (warning,) = account.codes[0].warnings
    assert warning.startswith("Line 7: a code is shaped differently")
    assert "1234" not in warning


_LINES = st.one_of(
    st.sampled_from(
        ["", "Recovery codes:", "Keep these safe.", "otpauth://totp/a?secret=JBSWY3DP"]
    ),
    st.from_regex(r"[0-9a-f]{4,5}-[0-9a-f]{4,5}", fullmatch=True),
    st.from_regex(r"[a-z]{4}-[a-z]{4}", fullmatch=True),
    st.text(max_size=30),
)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(_LINES, max_size=25))
def test_finding_loses_nothing_and_invents_no_code(lines: list[str]) -> None:
    text = "\n".join(lines)
    account = found(text)
    kept = account.notes + "\n" + account.totp
    for code in account.codes[0].codes if account.codes else []:
        assert code in text
    if not account.codes and not account.totp:
        assert account.notes == (text.strip("\n") if text.strip() else "")
    # Every line of the text is in the notes, or is a code, the TOTP URI, or a bare heading.
    codes = set(account.codes[0].codes) if account.codes else set()
    for line in filter(str.strip, text.splitlines()):
        assert line in kept or any(code in line for code in codes) or line == "Recovery codes:", (
            line
        )


@settings(max_examples=500, deadline=None)
@given(
    line=st.one_of(
        st.text(alphabet="ab12-.:()#*,;| \t!?'_xyz9", max_size=30),
        st.from_regex(r"(\(?[0-9]{1,3}[.):]?|#[0-9]) [0-9a-z]{4,5}-[0-9a-z]{4,5}", fullmatch=True),
        st.text(max_size=30),
    )
)
def test_the_fast_prose_check_never_hides_a_code(line: str) -> None:
    from sparekey.backup_codes.parser import PasteRefused, parse_codes
    from sparekey.transfer.finding import _surely_prose

    if _surely_prose(line):
        try:
            assert parse_codes(line).codes == []
        except PasteRefused:
            pass
