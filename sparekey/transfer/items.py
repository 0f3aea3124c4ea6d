"""What every import format is read into, and what the import service writes from.

The readers in ``sparekey.transfer.formats`` turn a file into ``FoundAccount`` values (pure
Python, no database); the import service previews and then saves them. Keeping this boundary
plain means a new format is one reader and its tests, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
    # Notes that are not backup codes (what is left of the item's notes and fields).
    notes: str = ""
    # Usually one list; several when an item held several (each becomes its own code set,
    # the first one saved, later ones offered as "add the codes as a new set").
    codes: list[FoundCodes] = field(default_factory=list)
    # Where the item was in the file, for the preview and the summary: "item 3", "Work/Brand X".
    origin: str = ""
    # Problems with this item that do not stop the others (a code list the parser refused...).
    warnings: list[str] = field(default_factory=list)
