"""Find the backup codes, the TOTP secret and the rest inside one item of an import file.

Password managers have no place for backup codes, so people keep them in notes ("Recovery
codes:" and a pasted list, prose around it) or in custom fields, in their own language. Each
reader gathers an item's plain parts into an ``Item``; ``find_account`` decides what is a code
list, using the paste parser's rules (``parse_codes``) so an import reads codes exactly as the
paste dialog would, and returns the ``FoundAccount``. Nothing is dropped: text that is not
placed in a field of the account stays in its notes.

Pure Python, no database: the import service previews the result before saving anything.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sparekey.backup_codes.parser import MAX_PASTE_BYTES, PasteRefused, parse_codes
from sparekey.transfer.items import FIELD_CODES, FIELD_USED_CODES, FoundAccount, FoundCodes

# Notes longer than this are kept whole and not searched line by line: backup codes are a few
# hundred bytes, and the search runs the parser once per line.
MAX_SEARCHED_NOTES = 64 * 1024
# A run of code-shaped lines with no heading above it, in notes that are mostly prose, is taken
# as a code list only from this many codes: services hand out 8 to 16, while a lone number in
# prose (a customer number, a PIN) is not a code list.
MIN_CODES_WITHOUT_HEADING = 5

# Names of code lists, matched against a field name or a heading line after lower-casing,
# removing accents and turning punctuation into spaces. The parser reads codes in any language;
# these are the languages of the services' own headings (and of the team's notes).
_CODE_LIST_NAMES = re.compile(
    r"\b(?:"
    # English: "Recovery codes", "Backup codes", "MFA backup codes", "Emergency codes"...
    r"(?:recovery|backup|back up|emergency|scratch|rescue|spare|2fa|mfa|2 step|two factor)"
    r" ?codes?"
    # German: "Wiederherstellungscodes", "Backup-Codes", "Notfallcodes", "Sicherungscodes"
    r"|(?:wiederherstellungs|sicherungs|notfall|ersatz|reserve) ?codes?"
    # French: "Codes de récupération", "Codes de secours", "Codes d'urgence"
    r"|codes? (?:de|d) (?:recuperation|secours|sauvegarde|urgence)"
    # Spanish and Portuguese: "Códigos de recuperación", "Códigos de backup"
    r"|codigos? de (?:recuperacion|recuperacao|respaldo|emergencia|backup|reserva|seguranca"
    r"|copia de seguridad)"
    # Italian: "Codici di recupero", "Codici di backup"
    r"|codic[ei] (?:di )?(?:recupero|backup|emergenza|riserva)"
    # Dutch: "Herstelcodes", "Back-upcodes", "Noodcodes"
    r"|(?:herstel|nood|back ?up) ?codes?"
    r")\b|^codes$"
)
_TOTP_NAMES = re.compile(
    r"\b(?:totp|otp|otpauth|one time password|2fa secret|mfa secret|authenticator (?:key|secret)"
    r"|einmalpasswort|mot de passe a usage unique)\b"
)
_PASSWORD_NAMES = re.compile(r"^(?:password|passwort|mot de passe|contrasena|senha|wachtwoord)$")
_BASE32_SECRET = re.compile(r"[A-Z2-7]{16,}=*")
_TOTP_URI = re.compile(r"(?:otpauth|steam)://\S+", re.IGNORECASE)

_QUOTED_CODE = re.compile('(?:the code )?"[^"\n]*\u2026"')
_LINE = re.compile(r"^Line (\d+):")
# Printable ASCII that is neither a letter, a digit, a gap or list separator, a bullet ("*",
# "-") nor part of a numbering label ("1.", "(1)", "#1", "1:").
_NO_CODE_CHARACTER = re.compile(
    r"[!\"$%&'+/<=>?@\[\\\]^_`{}~]"
    # Label punctuation anywhere but in a label: "1." "1)" "1:" "(1)" "#1".
    r"|(?<![0-9])[.:)]|\((?![0-9])|#(?![0-9])"
)
_TINY_WORD = re.compile(r"(?:^|[ \t,;|])[A-Za-z0-9]{1,2}(?=$|[ \t,;|])")

_BLANK, _CODE, _REFUSED, _PROSE = "blank", "code", "refused", "prose"


@dataclass
class Item:
    """One item as a reader found it: the parts its format names, before codes are looked for."""

    name: str
    origin: str
    app: str = ""
    login_url: str = ""
    username: str = ""
    password: str = ""
    totp: str = ""
    notes: str = ""
    recovery_note: str = ""
    # Custom fields in the file's order: (name, value). Names are shown to the user.
    fields: list[tuple[str, str]] = field(default_factory=list)
    # A Sparekey export states its codes outright: (unused codes, used codes), one a line.
    exported_codes: tuple[str, str] | None = None
    # The whole notes are meant as codes (a plain text file named after its account).
    notes_are_codes: bool = False
    warnings: list[str] = field(default_factory=list)


def find_account(item: Item) -> FoundAccount:
    """The account in ``item``: its code set found in the fields or notes, its TOTP secret,
    and every other piece of text kept in its notes."""
    account = FoundAccount(
        name=item.name.strip() or "(no name)",
        app=item.app.strip(),
        login_url=item.login_url.strip(),
        username=item.username,
        password=item.password,
        totp=item.totp.strip(),
        recovery_note=item.recovery_note,
        origin=item.origin,
        warnings=list(item.warnings),
    )
    if not item.name.strip():
        account.warnings.append("The item has no name; it is shown as “(no name)”.")
    extra_notes: list[str] = []
    if item.exported_codes is not None:
        _take_exported_codes(account, *item.exported_codes, extra_notes)
    for name, value in item.fields:
        _take_field(account, name, value, extra_notes)
    notes = item.notes
    # A Sparekey export's notes are the account's notes as they were: read back untouched.
    if item.exported_codes is None:
        notes = _take_from_notes(
            account, notes, named_as_codes=item.notes_are_codes or names_codes(item.name)
        )
    account.notes = "\n\n".join(part for part in [notes.strip("\n"), *extra_notes] if part)
    return account


def normalize_name(text: str) -> str:
    """Lower case without accents, punctuation as single spaces: "Códigos de recuperación:" ->
    "codigos de recuperacion"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^0-9a-z]+", " ", plain).strip()


def names_codes(text: str) -> bool:
    """Whether a field name or heading names a list of backup codes, in a supported language."""
    return bool(_CODE_LIST_NAMES.search(normalize_name(text)))


def is_totp_secret(value: str) -> bool:
    """An otpauth:// (or steam://) URI, or a base32 secret as authenticator apps show it."""
    compact = re.sub(r"[\s-]", "", value).upper()
    return bool(_TOTP_URI.fullmatch(value.strip()) or _BASE32_SECRET.fullmatch(compact))


def _parse(text: str, first_line: int = 1) -> tuple[list[str], list[str]] | str:
    """(codes, warnings), or the parser's reason for refusing the text. Messages count lines
    from ``first_line`` (where the text sits in the notes) and quote no part of a code."""
    try:
        parsed = parse_codes(text)
    except PasteRefused as refusal:
        reason = _unquoted(refusal.reason)
        return reason if refusal.line is None else f"Line {refusal.line + first_line - 1}: {reason}"
    return parsed.codes, [_unquoted(warning, first_line) for warning in parsed.warnings]


def _unquoted(message: str, first_line: int = 1) -> str:
    # The parser quotes the first characters of a code; an import's messages are shown in a
    # preview of many accounts and may be logged, so they name no part of a secret.
    message = _QUOTED_CODE.sub("a code", message)
    message = _LINE.sub(lambda match: f"Line {int(match.group(1)) + first_line - 1}:", message)
    return message[:1].upper() + message[1:]


def _take_exported_codes(
    account: FoundAccount, unused_text: str, used_text: str, extra_notes: list[str]
) -> None:
    # A Sparekey export writes one code a line, exactly as stored: the lines are read as they
    # are (the parser's guesses, such as dropping letters-only codes, could lose a code), and
    # the parser only vets them, so a hand-edited file is refused in the same ways as a paste.
    checked = _parse(f"{unused_text}\n{used_text}")
    if isinstance(checked, str):
        account.warnings.append(
            f"The exported backup codes could not be read: {checked} Their text is kept in the "
            "notes."
        )
        extra_notes.append(f"{FIELD_CODES}:\n{unused_text}\n\n{FIELD_USED_CODES}:\n{used_text}")
        return
    codes: list[str] = []
    used: set[int] = set()
    for text, is_used in ((unused_text, False), (used_text, True)):
        for line in text.splitlines():
            code = line.strip()
            if code and code not in codes:
                if is_used:
                    used.add(len(codes))
                codes.append(code)
    if codes:
        warnings = [warning for warning in checked[1] if not warning.startswith("No backup")]
        account.codes.append(
            FoundCodes(
                codes=codes, used=frozenset(used), warnings=warnings, source="Sparekey export"
            )
        )


def _take_field(account: FoundAccount, name: str, value: str, extra_notes: list[str]) -> None:
    if not value.strip():
        return
    label = name.strip() or "Field"
    normalized = normalize_name(label)
    if names_codes(label):
        if _take_code_list(account, value, f"field “{label}”"):
            return
    elif _TOTP_NAMES.search(normalized) and is_totp_secret(value):
        if not account.totp:
            account.totp = value.strip()
            return
        if account.totp == value.strip():
            return
    elif _PASSWORD_NAMES.match(normalized) and not account.password:
        account.password = value
        return
    extra_notes.append(f"{label}: {value}")


def _take_code_list(account: FoundAccount, text: str, source: str, first_line: int = 1) -> bool:
    """Make ``text`` the account's code set; False (after a warning if due) when the caller must
    keep it in the notes: the parser refused it, found no codes, or a code set was found."""
    where = "the notes" if source == "notes" else source
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PASTE_BYTES:
        account.warnings.append(
            f"The backup codes in {where} are more than {MAX_PASTE_BYTES // 1024} KiB of text "
            "and were not read. The text is kept in the notes."
        )
        return False
    parsed = _parse(text, first_line)
    if isinstance(parsed, str):
        account.warnings.append(
            f"The backup codes in {where} could not be read. {parsed} The text is kept in the "
            "notes."
        )
        return False
    codes, warnings = parsed
    if not codes:
        return False
    if account.codes:
        account.warnings.append(
            f"Another list of backup codes is in {where}. An account holds one code set: the "
            f"one in {_where(account.codes[0])} is imported, this one is kept in the notes."
        )
        return False
    account.codes.append(FoundCodes(codes=codes, warnings=warnings, source=source))
    return True


def _where(codes: FoundCodes) -> str:
    return "the notes" if codes.source == "notes" else codes.source


def _surely_prose(line: str) -> bool:
    """A fast pass before the parser, for long notes: True only for lines the parser would read
    as prose. An ASCII character that no code layout uses, or a one- or two-character word,
    makes a line prose (every word of a code line is a code, a group, a label or a bullet).
    Other lines, and every line with non-ASCII text, go to the parser."""
    return bool(_NO_CODE_CHARACTER.search(line) or _TINY_WORD.search(line))


_Parsed = tuple[list[str], list[str]] | str | None


def _parse_line(line: str) -> _Parsed:
    """The parser's reading of one line, or None for a blank line or one that is surely prose."""
    if not line.strip() or len(line) > MAX_PASTE_BYTES or _surely_prose(line):
        return None
    return _parse(line)


def _kind(line: str, parsed: _Parsed) -> str:
    if parsed is None:
        return _BLANK if not line.strip() else _PROSE
    if isinstance(parsed, str):
        return _REFUSED
    return _CODE if parsed[0] else _PROSE


def _support_letters_only_codes(lines: list[str], kinds: list[str]) -> None:
    """Mark the lines of letters-only codes ("phwf-gbku") as code lines.

    Alone, such a line is prose to the parser; beside a code of the same shape that holds a
    digit it is a code, as in a paste. So each short prose line without digits is parsed again
    with one such code of each shape found in the note, and counts as a code line when it adds
    codes.
    """
    code_text = "\n".join(line for line, kind in zip(lines, kinds, strict=True) if kind == _CODE)
    parsed = _parse(code_text) if code_text else "no codes"
    if isinstance(parsed, str):
        return
    proof: dict[str, str] = {}
    for code in parsed[0]:
        if any(char.isdigit() for char in code):
            proof.setdefault(_shape(code), code)
    if not proof:
        return
    proof_text = "\n".join(proof.values())
    for index, (line, kind) in enumerate(zip(lines, kinds, strict=True)):
        if (
            kind == _PROSE
            and len(line) <= 200
            and not any(char.isdigit() for char in line)
            and not _surely_prose(line)
        ):
            with_line = _parse(f"{proof_text}\n{line}")
            if not isinstance(with_line, str) and len(with_line[0]) > len(proof):
                kinds[index] = _CODE


def _shape(code: str) -> str:
    """Group lengths and separators, as the parser compares codes: "ab12-cd34" -> "4-4"."""
    return re.sub("[^ -]+", lambda match: str(len(match.group())), code)


def _runs(kinds: list[str]) -> list[tuple[int, int]]:
    """[start, end) of each run of code lines. Runs of single lines separated by blank lines are
    one double-spaced list; any other blank line or prose ends a list."""
    runs: list[tuple[int, int]] = []
    index = 0
    while index < len(kinds):
        if kinds[index] not in (_CODE, _REFUSED):
            index += 1
            continue
        end = index
        while end < len(kinds) and kinds[end] in (_CODE, _REFUSED):
            end += 1
        if runs and end - index == 1:
            start, previous_end = runs[-1]
            between = kinds[previous_end:index]
            singles = _double_spaced(kinds[start:previous_end])
            if singles and between and all(kind == _BLANK for kind in between):
                runs[-1] = (start, end)
                index = end
                continue
        runs.append((index, end))
        index = end
    return runs


def _double_spaced(kinds: list[str]) -> bool:
    return all(kind == _BLANK for kind in kinds[1::2])


def _lines_of_codes(
    lines: list[str], alone: list[_Parsed], start: int, end: int, codes: list[str]
) -> list[int]:
    """The lines of a run whose every word went into ``codes``; the others stay in the notes.

    A line of codes holds nothing else (the parser reads a line with any other word as prose),
    so a line is taken when its codes are all in ``codes``, or, for a letters-only line that has
    no codes on its own, when leaving it out of the run loses codes.
    """
    found = set(codes)
    taken = []
    for index in range(start, end):
        own = alone[index]
        if isinstance(own, str):
            continue
        if own is not None and own[0]:
            if set(own[0]) <= found:
                taken.append(index)
            continue
        without = _parse("\n".join(lines[start:index] + lines[index + 1 : end]))
        if not isinstance(without, str) and not found <= set(without[0]):
            taken.append(index)
    return taken


def _heading_above(lines: list[str], kinds: list[str], start: int) -> int | None:
    """The index of a line naming a code list among the two non-blank lines above ``start``."""
    seen = 0
    for index in range(start - 1, -1, -1):
        if kinds[index] == _BLANK:
            continue
        if kinds[index] != _PROSE:
            return None
        if names_codes(lines[index]):
            return index
        seen += 1
        if seen == 2:
            return None
    return None


def _take_from_notes(account: FoundAccount, notes: str, *, named_as_codes: bool) -> str:
    """Take the code list and a TOTP URI out of the notes; return what stays in them."""
    if not notes.strip():
        return ""
    if len(notes) > MAX_SEARCHED_NOTES:
        account.warnings.append(
            f"The notes are longer than {MAX_SEARCHED_NOTES // 1024} KiB and were not searched "
            "for backup codes; they are kept as they are."
        )
        return notes
    lines = notes.splitlines()
    taken: set[int] = set()
    if not account.totp:
        for index, line in enumerate(lines):
            if _TOTP_URI.fullmatch(line.strip()):
                account.totp = line.strip()
                taken.add(index)
                break

    alone = [None if index in taken else _parse_line(line) for index, line in enumerate(lines)]
    kinds = [
        _BLANK if index in taken else _kind(line, parsed)
        for index, (line, parsed) in enumerate(zip(lines, alone, strict=True))
    ]
    if not any(kind in (_CODE, _REFUSED) for kind in kinds):
        if not taken:
            return notes
        return "\n".join(line for index, line in enumerate(lines) if index not in taken)
    _support_letters_only_codes(lines, kinds)
    written = [kind for kind in kinds if kind != _BLANK]
    mostly_codes = sum(kind in (_CODE, _REFUSED) for kind in written) * 2 > len(written)
    extra_lists = repeated = 0
    for start, end in _runs(kinds):
        heading = _heading_above(lines, kinds, start)
        text = "\n".join(lines[start:end])
        if not (mostly_codes or named_as_codes or heading is not None):
            parsed = _parse(text)
            if isinstance(parsed, str) or len(parsed[0]) < MIN_CODES_WITHOUT_HEADING:
                continue
        if account.codes:
            parsed = _parse(text)
            if isinstance(parsed, str) or not parsed[0]:
                continue
            if account.codes[0].source == "notes" and set(parsed[0]) <= set(account.codes[0].codes):
                # The same list pasted twice: the copy adds nothing, so it is not kept.
                taken.update(_lines_of_codes(lines, alone, start, end, parsed[0]))
                repeated += 1
            else:
                extra_lists += 1
            continue
        if _take_code_list(account, text, "notes", first_line=start + 1):
            taken.update(_lines_of_codes(lines, alone, start, end, account.codes[0].codes))
            # A bare heading ("Recovery codes:") would be left naming nothing.
            if heading is not None and len(normalize_name(lines[heading]).split()) <= 4:
                taken.add(heading)
    if extra_lists:
        account.warnings.append(
            f"The notes hold {extra_lists} more list{'s' if extra_lists > 1 else ''} of backup "
            f"codes. An account holds one code set: the list in {_where(account.codes[0])} is "
            "imported, the others are kept in the notes."
        )
    if repeated:
        account.warnings.append(
            "The notes repeat the list of backup codes; each code is imported once."
        )
    if not taken:
        return notes
    kept = [line for index, line in enumerate(lines) if index not in taken]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")
