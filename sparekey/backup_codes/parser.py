"""Find the backup codes in text a member pasted, in whatever layout the service printed them.

Pure Python (no Django): the dialog's live preview, the save action and `sparekey parsecodes`
all call `parse_codes`. Every step is a single pass over the text, so a hostile 16 KiB paste
costs no more than an honest one.

Messages may end up in logs, so they quote at most the first four characters of a code.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

MAX_PASTE_BYTES = 16 * 1024
MAX_CODES = 100

_MIN_ALNUM = 6
_MAX_ALNUM = 64
_SHORT_GROUP = range(3, _MIN_ALNUM)

_LINE_BREAK = re.compile("\r\n|[\r\n\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")

# Invisible characters that browsers, PDF viewers and word processors put into copied text.
_ZERO_WIDTH = frozenset("\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff")
_LIST_SEPARATORS = frozenset(",;|")
_BULLETS = frozenset("*-\u2022\u2013\u00b7\u25e6\u2023\u25aa")
_LABEL = re.compile(r"\((\d{1,3})\)|#(\d{1,3})|(\d{1,3})[.):]")
_MONTHS = frozenset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec "
    "january february march april june july august september october november december".split()
)
# Scripts whose letters can pass for ASCII ones (Cyrillic a, Greek omicron, fullwidth A...).
_LOOKALIKE_SCRIPTS = (
    "LATIN",
    "GREEK",
    "CYRILLIC",
    "ARMENIAN",
    "CHEROKEE",
    "COPTIC",
    "FULLWIDTH",
    "MATHEMATICAL",
    "MODIFIER LETTER",
)
_LETTERLIKE_SYMBOLS = range(0x2100, 0x2150)

# Token kinds after a line is cut up: a word, or the white space / punctuation between words.
_WORD, _SPACE, _COLUMN, _LIST = "word", "space", "column", "list"


class PasteRefused(ValueError):
    """The paste cannot be saved. .reason is a sentence for the user; .line is the 1-based line
    number or None."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(reason if line is None else f"Line {line}: {reason}")


@dataclass(frozen=True)
class ParsedCodes:
    codes: list[str]
    warnings: list[str]


@dataclass(frozen=True)
class _Piece:
    """One word that is shaped like a code or like one space-separated group of a code."""

    text: str
    alnum: int
    hyphenated: bool
    has_digit: bool
    lookalike: str | None  # the first non-ASCII character that passes for a letter or digit


@dataclass(frozen=True)
class _Candidate:
    text: str
    line: int
    label: int | None
    has_digit: bool
    lookalike: str | None

    @property
    def shape(self) -> str:
        return _shape(self.text)


def parse_codes(text: str) -> ParsedCodes:
    """Return the codes in `text` in the order the service numbered them, each once.

    Raises PasteRefused when the paste is too large, holds characters that could disguise what
    was pasted, or holds more than MAX_CODES codes.
    """
    _refuse_oversized(text)
    _refuse_hidden_characters(text)
    lines = [_read_line(number, line) for number, line in enumerate(_LINE_BREAK.split(text), 1)]
    found = _accept_letters_only_codes([line for line in lines if line])
    for candidate in found:
        if candidate.lookalike is not None:
            raise PasteRefused(
                _lookalike_reason(candidate.text, candidate.lookalike), candidate.line
            )

    labels = [candidate.label for candidate in found]
    if None not in labels and len(set(labels)) == len(labels):
        found.sort(key=lambda candidate: candidate.label or 0)

    unique: dict[str, _Candidate] = {}
    for candidate in found:
        unique.setdefault(candidate.text, candidate)
    if len(unique) > MAX_CODES:
        raise PasteRefused(
            f"The paste holds {len(unique)} different codes, but at most {MAX_CODES} can be "
            "saved at once."
        )

    warnings: list[str] = []
    if not unique:
        warnings.append(
            "No backup codes were found in the pasted text. Paste the codes as the service "
            "shows them, one or more per line."
        )
    dropped = len(found) - len(unique)
    if dropped:
        warnings.append(
            f"{dropped} duplicate code{' was' if dropped == 1 else 's were'} dropped; each code "
            "is kept once."
        )
    warnings.extend(_shape_warnings(list(unique.values())))
    return ParsedCodes(codes=list(unique), warnings=warnings)


def _refuse_oversized(text: str) -> None:
    # Each character is at least one UTF-8 byte, so a long text is refused before encoding it.
    too_big = len(text) > MAX_PASTE_BYTES
    if not too_big:
        too_big = len(text.encode("utf-8", "surrogatepass")) > MAX_PASTE_BYTES
    if too_big:
        raise PasteRefused(
            f"The paste is larger than {MAX_PASTE_BYTES // 1024} KiB. Paste only the backup "
            "codes and the lines around them."
        )


def _refuse_hidden_characters(text: str) -> None:
    found: list[tuple[int, str]] = []
    for pattern, reason in (
        (_CONTROL, "a control character ({}), which cannot be part of a code"),
        (_BIDI, "an invisible text-direction mark ({}), which can disguise what was pasted"),
        (_SURROGATE, "a broken character ({}), left over from a failed copy"),
    ):
        match = pattern.search(text)
        if match:
            found.append((match.start(), reason.format(_code_point(match.group()))))
    if found:
        start, reason = min(found)
        line = len(_LINE_BREAK.findall(text, 0, start)) + 1
        raise PasteRefused(f"The paste contains {reason}. Remove it and paste again.", line)


def _read_line(number: int, line: str) -> list[_Candidate]:
    """The codes on one line, or [] when the line is prose (any word on it is not a code)."""
    words = _split_words(line)
    if words and words[0][1] in _BULLETS and (len(words) == 1 or words[1][0] != _LIST):
        words = words[2:]

    candidates: list[_Candidate] = []
    for label, cell in _cells(words):
        codes = _cell_codes(cell)
        if codes is None:
            return []
        single = len(codes) == 1
        candidates.extend(
            _Candidate(
                text=code.text,
                line=number,
                label=label if single else None,
                has_digit=code.has_digit,
                lookalike=code.lookalike,
            )
            for code in codes
        )
    return candidates


def _split_words(line: str) -> list[tuple[str, str]]:
    """Cut a line into words and the gaps between them.

    A gap is a column gap when it holds a tab or two or more visible spaces, a list gap when it
    holds a comma, semicolon or bar, and otherwise a single space (which may sit inside a code).
    Leading and trailing gaps are dropped.
    """
    parts: list[tuple[str, str]] = []
    start = 0
    length = len(line)
    while start < length:
        end = start
        visible = 0
        kind = _SPACE
        while end < length:
            char = line[end]
            if char in _LIST_SEPARATORS:
                kind = _LIST
            elif char == "\t":
                kind = _LIST if kind == _LIST else _COLUMN
            elif unicodedata.category(char) == "Zs":
                visible += 1
            elif char not in _ZERO_WIDTH:
                break
            end += 1
        if end > start:
            if kind == _SPACE and visible >= 2:
                kind = _COLUMN
            if parts:
                parts.append((kind, ""))
            start = end
            continue
        while end < length and not _is_gap(line[end]):
            end += 1
        parts.append((_WORD, line[start:end]))
        start = end
    if parts and parts[-1][0] != _WORD:
        parts.pop()
    return parts


def _is_gap(char: str) -> bool:
    return (
        char in _LIST_SEPARATORS
        or char == "\t"
        or char in _ZERO_WIDTH
        or unicodedata.category(char) == "Zs"
    )


def _cells(words: list[tuple[str, str]]) -> list[tuple[int | None, list[str]]]:
    """Group words into cells (column or list entries), each with its numbering label if any.

    A label is only recognised at the start of a cell, and a label followed by a column gap
    still numbers what follows it ("1.<tab>12345678"). A label that numbers nothing stays a
    word, which makes the line prose.
    """
    cells: list[tuple[int | None, list[str]]] = []
    label: int | None = None
    label_word = ""
    current: list[str] = []
    for kind, text in [*words, (_LIST, "")]:
        if kind == _WORD:
            if not current and label is None and (number := _label_number(text)) is not None:
                label, label_word = number, text
            else:
                current.append(text)
        elif kind == _LIST or (kind == _COLUMN and current):
            if not current and label is not None:
                current.append(label_word)
            if current:
                cells.append((label, current))
            label, current = None, []
    return cells


def _label_number(word: str) -> int | None:
    match = _LABEL.fullmatch(word)
    if match is None:
        return None
    return int(next(group for group in match.groups() if group is not None))


def _cell_codes(words: list[str]) -> list[_Piece] | None:
    """The codes in one cell, or None when some word of it cannot be part of a code.

    Runs of single-spaced short groups (3-5 characters, all the same length) join into one
    code such as "1234 5678"; longer words are codes of their own.
    """
    codes: list[_Piece] = []
    run: list[_Piece] = []
    for word in words:
        piece = _classify(word)
        if piece is None:
            return None
        if not piece.hyphenated and piece.alnum in _SHORT_GROUP:
            run.append(piece)
            continue
        if run:
            joined = _join(run)
            if joined is None:
                return None
            codes.append(joined)
            run = []
        if not _MIN_ALNUM <= piece.alnum <= _MAX_ALNUM or _looks_like_date(piece.text):
            return None
        codes.append(piece)
    if run:
        joined = _join(run)
        if joined is None:
            return None
        codes.append(joined)
    return codes


def _join(run: list[_Piece]) -> _Piece | None:
    total = sum(piece.alnum for piece in run)
    has_digit = any(piece.has_digit for piece in run)
    text = " ".join(piece.text for piece in run)
    # Letters-only groups are ordinary words ("Keep safe"); dates are not codes ("June 2026").
    if (
        len(run) < 2
        or len({piece.alnum for piece in run}) != 1
        or total > _MAX_ALNUM
        or not has_digit
        or _looks_like_date(text)
    ):
        return None
    lookalike = next((piece.lookalike for piece in run if piece.lookalike), None)
    return _Piece(text, total, False, has_digit, lookalike)


def _classify(word: str) -> _Piece | None:
    """Read a word as letters and digits joined by single hyphens, or return None.

    A word that would qualify if its non-ASCII look-alike characters were ASCII is returned with
    `lookalike` set, so that the caller can refuse it if it turns out to sit where a code is.
    """
    groups = word.split("-")
    alnum = len(word) - len(groups) + 1
    if all(group.isascii() and group.isalnum() for group in groups):
        has_digit = any(char.isdigit() for char in word)
        return _Piece(word, alnum, len(groups) > 1, has_digit, None)
    if not all(groups):
        return None
    lookalike: str | None = None
    has_ascii = has_digit = False
    for char in word:
        if char == "-":
            continue
        if char.isascii():
            if not char.isalnum():
                return None
            has_ascii = True
            has_digit = has_digit or char.isdigit()
        elif _passes_for_ascii(char):
            lookalike = lookalike or char
            has_digit = has_digit or unicodedata.category(char).startswith("N")
        else:
            return None
    # All-Greek or all-Cyrillic words without digits are prose in that language.
    if lookalike is None or not (has_ascii or has_digit):
        return None
    return _Piece(word, alnum, len(groups) > 1, has_digit, lookalike)


def _passes_for_ascii(char: str) -> bool:
    category = unicodedata.category(char)
    if category[0] in "NM" or category in ("Cf", "Co", "Cn"):
        return True
    if category[0] != "L":
        return False
    return ord(char) in _LETTERLIKE_SYMBOLS or unicodedata.name(char, "").startswith(
        _LOOKALIKE_SCRIPTS
    )


def _looks_like_date(text: str) -> bool:
    groups = re.split("[ -]", text)
    if any(group.lower() in _MONTHS for group in groups):
        return all(group.isdigit() or group.lower() in _MONTHS for group in groups)
    if len(groups) != 3 or not all(group.isascii() and group.isdigit() for group in groups):
        return False
    first, middle, last = (len(group) for group in groups)
    return middle <= 2 and min(first, last) <= 2 and max(first, last) in (1, 2, 4)


def _accept_letters_only_codes(lines: list[list[_Candidate]]) -> list[_Candidate]:
    """Drop the lines whose letters-only codes have no digit-bearing code of the same shape.

    A letters-only word ("myjtwxjgfo") is a code only beside codes that prove the service uses
    that shape. Dropping a line can take away the proof another line relied on, so support is
    counted per shape and lines are dropped from a work list, each at most once.
    """
    support: Counter[str] = Counter()
    needs: defaultdict[str, list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        for candidate in line:
            if candidate.has_digit and candidate.lookalike is None:
                support[candidate.shape] += 1
            elif not candidate.has_digit:
                needs[candidate.shape].append(index)
    dropped: set[int] = set()
    pending = [index for shape, indexes in needs.items() if not support[shape] for index in indexes]
    while pending:
        index = pending.pop()
        if index in dropped:
            continue
        dropped.add(index)
        for candidate in lines[index]:
            if candidate.has_digit and candidate.lookalike is None:
                support[candidate.shape] -= 1
                if not support[candidate.shape]:
                    pending.extend(needs[candidate.shape])
    return [
        candidate for index, line in enumerate(lines) if index not in dropped for candidate in line
    ]


def _shape(code: str) -> str:
    """Group lengths and separators: "1234 5678" -> "4 4", "ME04J-0TY7T" -> "5-5"."""
    return re.sub("[^ -]+", lambda match: str(len(match.group())), code)


def _shape_warnings(codes: list[_Candidate]) -> list[str]:
    shapes = Counter(code.shape for code in codes)
    if not shapes:
        return []
    common, count = shapes.most_common(1)[0]
    if count * 2 <= len(codes):
        return []
    return [
        f"Line {code.line}: the code {_quote(code.text)} is shaped differently from the others; "
        "check that it was copied completely."
        for code in codes
        if code.shape != common
    ]


def _lookalike_reason(text: str, char: str) -> str:
    name = unicodedata.name(char, "")
    described = f"{_code_point(char)} {name}" if name else _code_point(char)
    return (
        f"{_quote(text)} contains a character that only looks like a plain letter or digit "
        f"({described}). Type the code with plain letters and digits."
    )


def _quote(text: str) -> str:
    return f'"{text[:4]}\u2026"'


def _code_point(char: str) -> str:
    return f"U+{ord(char):04X}"
