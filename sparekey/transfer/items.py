"""What every import format is read into, and what the import service writes from.

The readers in ``sparekey.transfer.formats`` turn a file into ``FoundAccount`` values (pure
Python, no database); the import service previews and then saves them. Keeping this boundary
plain means a new format is one reader and its tests, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A Sparekey export is a Bitwarden JSON document (each account a login item) with these custom
# fields; the Bitwarden reader knows them, so an export imports back with every code's state.
# Codes go in two hidden fields so that another vault shows the unused ones apart from the used.
FIELD_APP = "App"
FIELD_CODES = "MFA Backup Codes"
FIELD_USED_CODES = "MFA Backup Codes (used)"
FIELD_RECOVERY_NOTE = "Recovery note"


class ImportRefused(ValueError):
    """The file cannot be imported. ``reason`` is a sentence for the user, safe to show and to
    log: it never quotes a secret or more than a few characters of the file."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class FoundCodes:
    """One list of backup codes found inside an item, already run through ``parse_codes``."""

    codes: list[str]
    # Positions (0-based, into ``codes``) known to be used: a Sparekey export marks them.
    used: frozenset[int] = frozenset()
    warnings: list[str] = field(default_factory=list)
    # Where in the item they were found, for the preview: "notes", "field “Recovery codes”".
    source: str = ""


@dataclass
class FoundAccount:
    """One account found in an import file. Empty strings mean "not in the file"."""

    name: str
    app: str = ""
    login_url: str = ""
    username: str = ""
    password: str = ""
    # A TOTP secret as found: base32, or an otpauth:// URI.
    totp: str = ""
    # Notes that are not backup codes (what is left of the item's notes and fields). Nothing is
    # dropped: text the reader cannot place (unknown fields, extra code lists) ends up here.
    notes: str = ""
    recovery_note: str = ""
    # An account holds one code set. Usually one list is found; when an item holds several, the
    # first is ``codes[0]`` and is saved, and the reader keeps the text of the others in ``notes``
    # (with a warning), so nothing in the file is lost.
    codes: list[FoundCodes] = field(default_factory=list)
    # Where the item was in the file, for the preview and the summary: "item 3", "Work/Brand X".
    origin: str = ""
    # Problems with this item that do not stop the others (a code list the parser refused...).
    warnings: list[str] = field(default_factory=list)
