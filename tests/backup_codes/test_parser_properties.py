from __future__ import annotations

import re
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from sparekey.backup_codes.parser import PasteRefused, parse_codes

MODERATE = settings(max_examples=200, deadline=None)

CODE = re.compile(r"[A-Za-z0-9]+(?:[ -][A-Za-z0-9]+)*")


def has_digit(code: str) -> bool:
    return any(char.isdigit() for char in code)


def groups(alphabet: str, size: int, count: int, joiner: str) -> st.SearchStrategy[str]:
    group = st.text(alphabet, min_size=size, max_size=size)
    return st.lists(group, min_size=count, max_size=count).map(joiner.join)


# Each shape a real service prints; letters-only codes are covered by the example tests.
SHAPES: dict[str, st.SearchStrategy[str]] = {
    "8 digits": groups(string.digits, 8, 1, ""),
    "4+4 digits": groups(string.digits, 4, 2, " "),
    "5-5 hex": groups("0123456789abcdef", 5, 2, "-").filter(has_digit),
    "10 alphanumerics": groups(string.ascii_lowercase + string.digits, 10, 1, "").filter(has_digit),
    "5x5 groups": groups(string.ascii_uppercase + string.digits, 5, 5, "-").filter(has_digit),
}
STANDALONE = [name for name in SHAPES if name != "4+4 digits"]

PROSE = [
    "",
    "   ",
    "Your backup codes",
    "SAVE YOUR BACKUP CODES",
    "Keep these backup codes somewhere safe but accessible.",
    "PyPI recovery codes:",
    "Your recovery code",
    "Generated: Dec 4, 2026",
    "2026-12-04",
    "12/04/2026",
    "(team-social@example.com)",
    "* You can only use each backup code once.",
    "- Need more? Visit the 2-Step Verification page.",
    "Bewahren Sie diese Codes sicher auf.",
    "C\u00f3digos de recuperaci\u00f3n:",
    "These are your Discord backup codes for account examplecorp. Keep them safe!",
]
LABELS = ["{}.", "{})", "({})", "#{}", "{}:"]
BULLETS = ["*", "-", "\u2022", "\u2013"]
# White space a web page or viewer leaves around codes; never two visible spaces in a row.
PADDING = ["", " ", "\u00a0", "\u200b", "\u200b\u00a0", "\u2060", "\ufeff"]
INNER_SPACE = [" ", "\u00a0", "\u202f", "\u2009", "\u200b"]
LIST_SEPARATORS = [",", ", ", ";", "; ", " ; ", "\t", "|", " | ", ",\u00a0"]
COLUMN_GAPS = ["  ", "          ", "\t", "\t\t", " \t", "\u00a0 \u00a0"]


def code_sets(names: list[str]) -> st.SearchStrategy[list[str]]:
    shape = st.sampled_from(names).map(SHAPES.__getitem__)
    return shape.flatmap(lambda codes: st.lists(codes, min_size=1, max_size=20, unique=True))


def render(draw: st.DrawFn, code: str) -> str:
    return code.replace(" ", draw(st.sampled_from(INNER_SPACE)))


def pad(draw: st.DrawFn, text: str) -> str:
    return draw(st.sampled_from(PADDING)) + text + draw(st.sampled_from(PADDING))


def one_per_line(draw: st.DrawFn, codes: list[str]) -> list[str]:
    return [pad(draw, render(draw, code)) for code in codes]


def numbered(draw: st.DrawFn, codes: list[str]) -> list[str]:
    label = draw(st.sampled_from(LABELS))
    gap = draw(st.sampled_from([" ", "\u00a0", "\t", "   "]))
    lines = [
        pad(draw, f"{label.format(number)}{gap}{render(draw, code)}")
        for number, code in enumerate(codes, 1)
    ]
    # The numbers, not the order of the lines, give the order of the codes.
    return draw(st.permutations(lines))


def bulleted(draw: st.DrawFn, codes: list[str]) -> list[str]:
    bullet = draw(st.sampled_from(BULLETS))
    indent = draw(st.sampled_from(["", " ", "  ", "\t"]))
    return [f"{indent}{bullet} {render(draw, code)}" for code in codes]


def separated(draw: st.DrawFn, codes: list[str]) -> list[str]:
    separator = draw(st.sampled_from(LIST_SEPARATORS))
    per_line = draw(st.integers(min_value=1, max_value=len(codes)))
    chunks = [codes[start : start + per_line] for start in range(0, len(codes), per_line)]
    return [pad(draw, separator.join(render(draw, code) for code in chunk)) for chunk in chunks]


def two_numbered_columns(draw: st.DrawFn, codes: list[str]) -> list[str]:
    label = draw(st.sampled_from(LABELS))
    half = (len(codes) + 1) // 2
    lines = []
    for row in range(half):
        cells = [
            f"{label.format(index + 1)} {render(draw, codes[index])}"
            for index in (row, row + half)
            if index < len(codes)
        ]
        lines.append(draw(st.sampled_from(COLUMN_GAPS)).join(cells))
    return lines


LAYOUTS = [one_per_line, numbered, bulleted, separated, two_numbered_columns]


@st.composite
def pastes(draw: st.DrawFn) -> tuple[str, list[str]]:
    codes = draw(code_sets(list(SHAPES)))
    layout = draw(st.sampled_from(LAYOUTS))
    header = draw(st.lists(st.sampled_from(PROSE), max_size=3))
    footer = draw(st.lists(st.sampled_from(PROSE), max_size=3))
    line_end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    text = bom + line_end.join([*header, *layout(draw, codes), *footer])
    return text + draw(st.sampled_from(["", line_end])), codes


@st.composite
def single_spaced_lines(draw: st.DrawFn) -> tuple[str, list[str]]:
    codes = draw(code_sets(STANDALONE))
    gaps = [draw(st.sampled_from([" ", "\u00a0", "\u200b", " \u200b"])) for _ in codes]
    text = "".join(gap + code for gap, code in zip(gaps, codes, strict=True))
    return text, codes


def assert_well_formed(codes: list[str]) -> None:
    for code in codes:
        assert CODE.fullmatch(code), code
        assert 6 <= len(re.sub("[ -]", "", code)) <= 64, code


@MODERATE
@given(pastes())
def test_every_layout_parses_to_exactly_the_codes_in_order(paste: tuple[str, list[str]]) -> None:
    text, codes = paste

    result = parse_codes(text)

    assert result.codes == codes
    assert result.warnings == []


@MODERATE
@given(single_spaced_lines())
def test_codes_on_one_line_separated_by_single_spaces_stay_separate(
    paste: tuple[str, list[str]],
) -> None:
    text, codes = paste

    assert parse_codes(text).codes == codes


@MODERATE
@given(pastes(), st.sampled_from(["\n", "\r\n", "\n\n"]))
def test_a_paste_pasted_twice_yields_each_code_once(
    paste: tuple[str, list[str]], between: str
) -> None:
    text, codes = paste

    result = parse_codes(text + between + text)

    # Repeated numbers no longer give an order, so the codes come in the order of the text.
    assert sorted(result.codes) == sorted(codes)
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"{len(codes)} duplicate code")


# Pieces of codes and layouts, so that random text often comes close to a real paste; the dirty
# variant adds what the parser refuses.
PASTE_PIECES = [
    *"aZx09-.,;|:()#*\t\n\r ",
    "1234",
    "abcd1234",
    "12345678",
    "1. ",
    "\n2) ",
    ", ",
    "  ",
    "\u00a0",
    "\u200b",
    "\ufeff",
    "\u2022 ",
    "\u2013",
    "\u0441",
    "\uff11",
    "Dec",
]
NEAR_PASTE = st.one_of(
    st.lists(st.sampled_from(PASTE_PIECES), max_size=60).map("".join),
    st.lists(st.sampled_from([*PASTE_PIECES, "\u202e", "\x00"]), max_size=60).map("".join),
)


@MODERATE
@given(st.one_of(st.text(), NEAR_PASTE))
def test_it_raises_nothing_but_paste_refused(text: str) -> None:
    try:
        result = parse_codes(text)
    except PasteRefused as refused:
        assert str(refused).endswith(refused.reason)
        return
    assert_well_formed(result.codes)
    assert len(set(result.codes)) == len(result.codes)


@MODERATE
@given(st.one_of(st.text(), NEAR_PASTE, pastes().map(lambda paste: paste[0])))
def test_parsing_the_codes_found_finds_the_same_codes(text: str) -> None:
    try:
        first = parse_codes(text)
    except PasteRefused:
        return

    assert parse_codes("\n".join(first.codes)).codes == first.codes


@MODERATE
@given(st.one_of(st.text(), NEAR_PASTE))
def test_it_never_returns_a_code_with_non_ascii_or_control_characters(text: str) -> None:
    try:
        codes = parse_codes(text).codes
    except PasteRefused:
        return

    for code in codes:
        assert code.isascii() and code.isprintable(), code


@MODERATE
@given(pastes(), groups("0123456789abcdef", 12, 1, "").filter(has_digit))
def test_messages_never_hold_a_whole_code(paste: tuple[str, list[str]], odd_one: str) -> None:
    text, codes = paste

    result = parse_codes(f"{text}\n{odd_one}\n{odd_one}")

    for message in result.warnings:
        assert all(code not in message for code in [*codes, odd_one]), message
