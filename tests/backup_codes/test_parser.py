from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

from sparekey.backup_codes import parser
from sparekey.backup_codes.parser import (
    MAX_CODES,
    MAX_PASTE_BYTES,
    ParsedCodes,
    PasteRefused,
    parse_codes,
)

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "pasted-codes"
PASTES = sorted(CORPUS.glob("*.txt"))
NO_CODES = (
    "No backup codes were found in the pasted text. Paste the codes as the service shows them, "
    "one or more per line."
)
EIGHT = ["12345678", "23456789", "34567890"]


def codes(text: str) -> list[str]:
    return parse_codes(text).codes


def refusal(text: str) -> PasteRefused:
    with pytest.raises(PasteRefused) as caught:
        parse_codes(text)
    return caught.value


def read_paste(path: Path) -> str:
    # Bytes, not read_text(): universal newlines would hide the CRLF and CR cases.
    return path.read_bytes().decode("utf-8")


def test_the_corpus_holds_pastes_each_with_its_expected_codes() -> None:
    assert len(PASTES) >= 14
    assert sorted(p.stem for p in CORPUS.glob("*.json")) == [p.stem for p in PASTES]


@pytest.mark.parametrize("paste", PASTES, ids=lambda path: path.stem)
def test_each_corpus_paste_parses_to_exactly_its_expected_codes(paste: Path) -> None:
    expected = json.loads(paste.with_suffix(".json").read_text(encoding="utf-8"))["codes"]

    assert parse_codes(read_paste(paste)).codes == expected


def test_the_corpus_paste_pasted_twice_warns_about_five_duplicates() -> None:
    result = parse_codes(read_paste(CORPUS / "pasted-twice.txt"))

    assert result.warnings == ["5 duplicate codes were dropped; each code is kept once."]


def test_the_corpus_pastes_with_one_consistent_shape_raise_no_warnings() -> None:
    for name in ("google-file", "crlf-bom", "comma-separated", "tab-grid", "discord-file"):
        assert parse_codes(read_paste(CORPUS / f"{name}.txt")).warnings == [], name


def test_it_returns_no_codes_with_a_warning_when_none_are_found() -> None:
    assert parse_codes(read_paste(CORPUS / "no-codes.txt")) == ParsedCodes([], [NO_CODES])
    assert parse_codes("") == ParsedCodes([], [NO_CODES])
    assert parse_codes(" \n\t\n\u00a0\r\n") == ParsedCodes([], [NO_CODES])


def test_it_reads_one_code_per_line() -> None:
    assert parse_codes("12345678\n23456789\n34567890\n") == ParsedCodes(EIGHT, [])


@pytest.mark.parametrize("bullet", ["*", "-", "\u2022", "\u2013"])
def test_it_strips_a_leading_bullet(bullet: str) -> None:
    paste = "".join(f" {bullet} {code}\n" for code in EIGHT)

    assert codes(paste) == EIGHT


@pytest.mark.parametrize("style", ["{}.", "{})", "({})", "#{}", "{}:"])
def test_it_strips_numbering_labels_of_every_style(style: str) -> None:
    paste = "\n".join(f"{style.format(n)} {code}" for n, code in enumerate(EIGHT, 1))

    assert codes(paste) == EIGHT


def test_it_orders_numbered_codes_by_their_numbers() -> None:
    paste = "3. 34567890\n1) 12345678\n(2) 23456789"

    assert codes(paste) == EIGHT


def test_it_orders_two_numbered_columns_by_their_numbers() -> None:
    paste = "1. 1111 2222          3. 3333 4444\n2. 5555 6666          4. 7777 8888\n"

    assert codes(paste) == ["1111 2222", "5555 6666", "3333 4444", "7777 8888"]


def test_it_numbers_a_code_whose_label_is_followed_by_a_column_gap() -> None:
    assert codes("2.\t23456789\n1.    12345678") == ["12345678", "23456789"]


def test_it_keeps_document_order_when_some_codes_are_unnumbered() -> None:
    assert codes("2. 23456789\n12345678") == ["23456789", "12345678"]


def test_it_keeps_document_order_when_numbers_repeat() -> None:
    paste = "2. 23456789\n1. 12345678\n2. 34567890"

    assert codes(paste) == ["23456789", "12345678", "34567890"]


def test_it_keeps_document_order_when_one_label_numbers_two_codes() -> None:
    paste = "2. 23456789 34567890\n1. 12345678"

    assert codes(paste) == ["23456789", "34567890", "12345678"]


def test_it_reads_unnumbered_columns_row_by_row() -> None:
    paste = "aaaa1111  bbbb2222    cccc3333\ndddd4444  eeee5555"

    assert codes(paste) == ["aaaa1111", "bbbb2222", "cccc3333", "dddd4444", "eeee5555"]


def test_it_joins_short_groups_into_one_code() -> None:
    assert codes("1234 5678\nab12 cd34 ef56\nx1y 2z3") == [
        "1234 5678",
        "ab12 cd34 ef56",
        "x1y 2z3",
    ]


def test_it_keeps_long_single_spaced_groups_as_separate_codes() -> None:
    assert codes("12345678 23456789 abc123def") == ["12345678", "23456789", "abc123def"]


def test_it_does_not_join_groups_of_different_lengths() -> None:
    assert codes("Call 555 1234\n1234 5678") == ["1234 5678"]


def test_it_does_not_join_letters_only_groups() -> None:
    assert codes("Keep safe\n1234 5678") == ["1234 5678"]


def test_it_ignores_a_short_group_standing_alone() -> None:
    assert codes("1234\nabc 12345678\n12345678 abc\n23456789") == ["23456789"]


def test_it_keeps_hyphenated_groups_as_one_code() -> None:
    assert codes("ME04J-0TY7T-G0HV3-EEXKY-VZ5JC\n31lv-kyzc") == [
        "ME04J-0TY7T-G0HV3-EEXKY-VZ5JC",
        "31lv-kyzc",
    ]


def test_it_keeps_the_case_and_separators_as_printed() -> None:
    assert codes("AbCd-12eF\naBc1 DeF2") == ["AbCd-12eF", "aBc1 DeF2"]


@pytest.mark.parametrize("separator", [",", ", ", ";", " ; ", "\t", "|", " | ", ",\t"])
def test_it_splits_codes_on_list_separators(separator: str) -> None:
    assert codes(separator.join(EIGHT)) == EIGHT


def test_it_ignores_separators_at_the_ends_of_a_line() -> None:
    assert codes("| 12345678 | 23456789 |\n34567890,") == EIGHT


def test_it_splits_short_group_codes_on_list_separators() -> None:
    assert codes("1234 5678, 2345 6789; 3456 7890") == ["1234 5678", "2345 6789", "3456 7890"]


def test_it_accepts_letters_only_codes_beside_digit_codes_of_the_same_shape() -> None:
    assert codes("myjtwxjgfo, sw4z8uev5v\nabcd-efgh\n1234-abcd") == [
        "myjtwxjgfo",
        "sw4z8uev5v",
        "abcd-efgh",
        "1234-abcd",
    ]


def test_it_ignores_letters_only_words_without_digit_codes_of_the_same_shape() -> None:
    assert codes("Password\nmyjtwxjgfo\nabcd-efgh\nsw4z8uev5v1") == ["sw4z8uev5v1"]


def test_it_needs_the_digit_code_proving_a_letters_only_code_to_be_on_a_code_line() -> None:
    # Both digit codes sit on lines that are not code lines, so they prove nothing.
    assert codes("abcdefgh\n12345678 is mine\nabcd1234 xyzxyzxyzxyz") == []


def test_it_ignores_a_line_with_any_word_that_is_not_a_code() -> None:
    assert codes("Your code is 12345678\n23456789 (old)\n34567890") == ["34567890"]


@pytest.mark.parametrize(
    "prose",
    [
        "PyPI recovery codes:",
        "Your recovery code",
        "SAVE YOUR BACKUP CODES",
        "Keep these backup codes somewhere safe but accessible.",
        "(team-social@example.com)",
        "team-social@example.com",
        "Generated: Dec 4, 2026",
        "2026-12-04",
        "12/04/2026",
        "12-04-2026",
        "04-Dec-2026",
        "June 2026",
        "* You can only use each backup code once.",
        "- Need more? Visit the 2-Step Verification page.",
        "Bewahren Sie diese Codes sicher auf.",
        "C\u00f3digos de recuperaci\u00f3n:",
        # Russian: "Keep these codes"
        "\u0421\u043e\u0445\u0440\u0430\u043d\u0438\u0442\u0435 "
        "\u044d\u0442\u0438 \u043a\u043e\u0434\u044b",
        "2026\u5e7412\u67084\u65e5",
        "---",
        "1.",
    ],
)
def test_it_ignores_prose_headers_emails_and_dates(prose: str) -> None:
    assert parse_codes(f"{prose}\n12345678\n{prose}\n") == ParsedCodes(["12345678"], [])


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_it_reads_lf_crlf_and_cr_line_ends(line_end: str) -> None:
    assert codes(line_end.join(["Codes:", *EIGHT, ""])) == EIGHT


def test_it_reads_mixed_line_ends() -> None:
    assert codes("12345678\r\n23456789\r34567890\n") == EIGHT


def test_it_ignores_a_leading_byte_order_mark() -> None:
    assert codes("\ufeff12345678\r\n23456789\r\n34567890\r\n") == EIGHT


def test_it_ignores_trailing_blanks() -> None:
    assert codes("12345678  \n23456789\t\n34567890 \u00a0\n") == EIGHT


SPACES = ["\u00a0", *(chr(c) for c in range(0x2000, 0x200B)), "\u202f", "\u205f", "\u3000"]
INVISIBLES = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]


@pytest.mark.parametrize("space", SPACES, ids=lambda char: f"U+{ord(char):04X}")
def test_it_treats_every_unicode_space_as_white_space(space: str) -> None:
    paste = f"{space}1234{space}5678{space}\n12345678{space}23456789"

    assert codes(paste) == ["1234 5678", "12345678", "23456789"]


@pytest.mark.parametrize("char", INVISIBLES, ids=lambda char: f"U+{ord(char):04X}")
def test_it_treats_invisible_formatting_characters_as_white_space(char: str) -> None:
    paste = f"{char}12345678{char}\n{char}23456789{char}34567890\n2345{char}6789"

    assert codes(paste) == [*EIGHT, "2345 6789"]


def test_it_does_not_widen_a_gap_with_invisible_characters() -> None:
    assert codes("1234 \u200b\u200d5678") == ["1234 5678"]


def test_it_turns_an_nbsp_inside_a_code_into_a_plain_space() -> None:
    assert codes("9427\u00a07621\n7673\u202f6312") == ["9427 7621", "7673 6312"]


@pytest.mark.parametrize(
    "char", ["\x00", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9b"]
)
def test_it_refuses_control_characters_naming_the_line(char: str) -> None:
    refused = refusal(f"12345678\n23456789\r\n34567{char}890\n")

    assert refused.line == 3
    assert str(refused) == (
        f"Line 3: The paste contains a control character (U+{ord(char):04X}), which cannot be "
        "part of a code. Remove it and paste again."
    )


@pytest.mark.parametrize(
    "char",
    ["\u200e", "\u200f", "\u061c", *(chr(c) for c in range(0x202A, 0x202F))]
    + [chr(c) for c in range(0x2066, 0x206A)],
    ids=lambda char: f"U+{ord(char):04X}",
)
def test_it_refuses_bidi_controls_naming_the_line(char: str) -> None:
    refused = refusal(f"Backup codes\r12345678\r{char}Prose only")

    assert refused.line == 3
    assert str(refused) == (
        f"Line 3: The paste contains an invisible text-direction mark (U+{ord(char):04X}), which "
        "can disguise what was pasted. Remove it and paste again."
    )


def test_it_names_the_first_hidden_character_of_the_paste() -> None:
    refused = refusal("12345678\n\u202e23456789\n\x00")

    assert refused.line == 2
    assert "U+202E" in refused.reason


def test_it_refuses_a_lone_surrogate() -> None:
    refused = refusal("12345678\n\ud800")

    assert refused.line == 2
    assert "U+D800" in refused.reason


def test_it_allows_tabs_in_the_paste() -> None:
    assert codes("12345678\t23456789\t\t34567890") == EIGHT


@pytest.mark.parametrize(
    ("paste", "char"),
    [
        ("a1b2\u04413d4", "U+0441 CYRILLIC SMALL LETTER ES"),
        ("12345678\n\u0430bcd1234", "U+0430 CYRILLIC SMALL LETTER A"),
        ("1234\u039f678", "U+039F GREEK CAPITAL LETTER OMICRON"),
        ("ab\uff11\uff12cd34", "U+FF11 FULLWIDTH DIGIT ONE"),
        ("1234\u0665678", "U+0665 ARABIC-INDIC DIGIT FIVE"),
        ("\uff11\uff12\uff13\uff14\uff15\uff16", "U+FF11 FULLWIDTH DIGIT ONE"),
        ("1234 56\u06f78", "U+06F7 EXTENDED ARABIC-INDIC DIGIT SEVEN"),
        ("ME04J-0TY7T-G0HV3-EEXKY-VZ5J\u0421", "U+0421 CYRILLIC CAPITAL LETTER ES"),
        ("abc\u0301d1234", "U+0301 COMBINING ACUTE ACCENT"),
        ("1234\u212a678", "U+212A KELVIN SIGN"),
    ],
)
def test_it_refuses_lookalike_characters_inside_a_code(paste: str, char: str) -> None:
    refused = refusal(paste)

    assert refused.line == paste.count("\n") + 1
    assert f"({char})" in refused.reason
    assert refused.reason.endswith("Type the code with plain letters and digits.")


def test_it_refuses_a_lookalike_letter_in_a_letters_only_code() -> None:
    refused = refusal("myjtwxjgfo, sw4z8uev5v\n\u0430bcdefghij")

    assert refused.line == 2
    assert "U+0430" in refused.reason


def test_it_ignores_lookalikes_in_words_that_could_not_be_codes_anyway() -> None:
    paste = "Gr\u00f6\u00dfe: 10\u00bd\nAuthentifizierungsschl\u00fcssel\n12345678\nH\u2082O"

    assert codes(paste) == ["12345678"]


def test_it_refuses_a_paste_over_16_kib() -> None:
    refused = refusal("12345678\n" * (MAX_PASTE_BYTES // 9 + 1))

    assert refused.line is None
    assert str(refused) == (
        "The paste is larger than 16 KiB. Paste only the backup codes and the lines around them."
    )


def test_it_accepts_a_paste_of_exactly_16_kib() -> None:
    paste = "12345678\n" + " " * (MAX_PASTE_BYTES - 9)

    assert codes(paste) == ["12345678"]


def test_it_measures_the_size_in_utf8_bytes() -> None:
    # 6,000 characters, but 18,000 bytes.
    refused = refusal("12345678\n" + "\u3000" * 6000)

    assert "16 KiB" in refused.reason


def test_it_refuses_more_than_100_codes_giving_the_count_and_the_limit() -> None:
    paste = "\n".join(f"{n:08d}" for n in range(MAX_CODES + 1))

    assert str(refusal(paste)) == (
        "The paste holds 101 different codes, but at most 100 can be saved at once."
    )


def test_it_accepts_exactly_100_codes() -> None:
    paste = "\n".join(f"{n:08d}" for n in range(MAX_CODES))

    assert len(codes(paste)) == MAX_CODES


def test_it_counts_codes_after_dropping_duplicates() -> None:
    once = "\n".join(f"{n:08d}" for n in range(80))

    result = parse_codes(f"{once}\n\n{once}")

    assert result.codes == [f"{n:08d}" for n in range(80)]
    assert result.warnings == ["80 duplicate codes were dropped; each code is kept once."]


def test_it_keeps_each_duplicate_once_and_says_how_many_were_dropped() -> None:
    result = parse_codes("12345678\n23456789\n12345678\n34567890")

    assert result == ParsedCodes(EIGHT, ["1 duplicate code was dropped; each code is kept once."])


def test_it_treats_codes_differing_only_in_case_as_different() -> None:
    assert codes("abcd1234\nABCD1234") == ["abcd1234", "ABCD1234"]


def test_it_treats_codes_differing_only_in_white_space_kind_as_duplicates() -> None:
    assert codes("1234 5678\n1234\u00a05678\n1234\u200b5678") == ["1234 5678"]


def test_it_warns_about_a_code_shaped_unlike_the_others_naming_the_line() -> None:
    result = parse_codes("Codes\n1234 5678\n2345 6789\n34567890\n4567 8901")

    assert result.codes == ["1234 5678", "2345 6789", "34567890", "4567 8901"]
    assert result.warnings == [
        'Line 4: the code "3456\u2026" is shaped differently from the others; check that it was '
        "copied completely."
    ]


def test_it_does_not_warn_about_shapes_without_a_majority() -> None:
    assert parse_codes("1234 5678\n23456789").warnings == []


@pytest.mark.parametrize(
    ("paste", "expected"),
    [
        ("abcde1", ["abcde1"]),
        ("a1" * 32, ["a1" * 32]),
        ("abc1-def2-gh3", ["abc1-def2-gh3"]),
        ("abc12", []),
        ("ab-12", []),
        ("a1" * 32 + "b", []),
        ("-".join(["ab12"] * 17), []),
        (" ".join(["ab12"] * 17), []),
        ("abc1--def2", []),
        ("-abc12345", []),
        ("abc12345-", []),
        ("abc_12345", []),
        ("*12345678", []),
    ],
)
def test_it_accepts_codes_of_6_to_64_letters_and_digits_only(
    paste: str, expected: list[str]
) -> None:
    assert codes(paste) == expected


def test_messages_never_quote_more_than_four_characters_of_a_code() -> None:
    code = "SECRET12345"
    messages = [
        *parse_codes(f"12345678\n23456789\n{code}\n{code}").warnings,
        str(refusal(f"{code}\u0441")),
    ]

    assert all(code[:5] not in message for message in messages)
    assert any('"SECR\u2026"' in message for message in messages)


def test_the_refusal_keeps_the_reason_and_the_line_apart() -> None:
    refused = PasteRefused("Something is wrong.", 7)

    assert isinstance(refused, ValueError)
    assert (refused.reason, refused.line, str(refused)) == (
        "Something is wrong.",
        7,
        "Line 7: Something is wrong.",
    )
    assert str(PasteRefused("Something is wrong.")) == "Something is wrong."


def test_the_result_is_immutable() -> None:
    result = parse_codes("12345678")

    with pytest.raises(AttributeError):
        result.codes = []  # type: ignore[misc]


def test_it_parses_a_16_kib_line_of_one_letter_hyphen_groups() -> None:
    assert codes("a-" * (MAX_PASTE_BYTES // 2)) == []
    assert codes("a-" * (MAX_PASTE_BYTES // 2 - 1) + "a") == []


def test_it_parses_16_kib_of_spaces() -> None:
    assert codes(" " * MAX_PASTE_BYTES) == []
    assert codes("\u00a0\u200b" * (MAX_PASTE_BYTES // 5)) == []


def test_it_parses_a_16_kib_line_of_short_groups() -> None:
    assert codes("abc1 " * (MAX_PASTE_BYTES // 5)) == []


@pytest.mark.parametrize(
    "unit", ["a", "1", "1.", "1. ", "(", ",", ", ", "\t", "\n", "\r\n", "* ", "-", "a\u0441"]
)
def test_it_parses_16_kib_of_one_repeated_unit(unit: str) -> None:
    paste = unit * (MAX_PASTE_BYTES // len(unit.encode()))

    assert codes(paste) == []


def test_it_parses_16_kib_of_letters_only_lines_whose_proof_falls_away_line_by_line() -> None:
    # Each digit code line fails on its own letters-only word; the last one to go leaves every
    # "abcdefgh" line without proof.
    unit = "abcdefgh\n{:08d} qwertyuiopas\n"
    paste = "".join(unit.format(n) for n in range(MAX_PASTE_BYTES // len(unit.format(0))))

    assert codes(paste) == []


def test_the_parser_imports_nothing_but_the_standard_library() -> None:
    tree = ast.parse(Path(parser.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
        elif isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)

    assert imported <= sys.stdlib_module_names | {"__future__"}
