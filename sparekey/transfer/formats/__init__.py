"""Read an import file into ``FoundAccount`` values: one reader module per format.

``read_import`` is the entry point for the import page and command. It checks the size, picks
the reader (``detect_format`` when the user did not choose one) and returns the accounts; any
problem the user must fix is an ``ImportRefused`` with a sentence that quotes no secret.
Readers are pure Python and touch no database.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from sparekey.transfer.formats import (
    bitwarden,
    keepass,
    onepassword,
    plain_text,
    psono,
    spreadsheet,
)
from sparekey.transfer.formats.limits import MAX_UPLOAD_BYTES, open_zip, refuse_oversized
from sparekey.transfer.items import FoundAccount, ImportRefused

# id -> label, in the order of the page's select.
FORMATS: dict[str, str] = {
    "bitwarden": "Bitwarden (.json, unencrypted) or a Sparekey export",
    "1password": "1Password (.1pux)",
    "keepass": "KeePass or KeePassXC database (.kdbx)",
    "keepassxc-csv": "KeePassXC (.csv export)",
    "psono": "Psono (.json)",
    "csv": "CSV file with a header row",
    "text": "Plain text files, one per account",
}

# How much of a file detection looks at: enough for a JSON export's first keys.
_SNIFF_BYTES = 64 * 1024
_UNSURE = (
    "Sparekey could not tell which password manager wrote this file. Choose its format in the "
    "list and import again."
)


def format_of(files: list[tuple[str, bytes]]) -> str:
    """The one format of all ``files``, detected; refused when they differ or none is known."""
    if not files:
        raise ImportRefused("Choose a file to import.")
    formats = {detect_format(name, data) for name, data in files}
    if len(formats) != 1:
        raise ImportRefused(
            "The files are of different formats. Import one export file at a time, or "
            "several plain text files."
        )
    return formats.pop()


def read_import(
    files: list[tuple[str, bytes]],
    *,
    format: str | None = None,
    password: str | None = None,
) -> list[FoundAccount]:
    """The accounts in ``files`` (one file, or several plain text files)."""
    if not files:
        raise ImportRefused("Choose a file to import.")
    refuse_oversized(sum(len(data) for _, data in files))
    if format is None:
        format = format_of(files)
    if format not in FORMATS:
        raise ImportRefused("Choose one of the listed formats.")
    if format != "text" and len(files) != 1:
        raise ImportRefused(
            f"Choose one file for {FORMATS[format]}; only plain text files can be imported "
            "several at once."
        )
    data = files[0][1]
    if format == "bitwarden":
        return bitwarden.read(data)
    if format == "1password":
        return onepassword.read(data)
    if format == "keepass":
        return keepass.read(data, password)
    if format == "keepassxc-csv":
        return spreadsheet.read_keepassxc(data)
    if format == "psono":
        return psono.read(data)
    if format == "csv":
        return spreadsheet.read_generic(data)
    return plain_text.read(files)


def detect_format(filename: str, data: bytes) -> str:
    """The format id of a file by its first bytes (and its name where the bytes are plain
    text), or ImportRefused when unsure: a wrong guess would import a file wrongly."""
    if len(data) > MAX_UPLOAD_BYTES:
        refuse_oversized(len(data))
    suffix = PurePosixPath(filename.lower()).suffix
    head = data[:_SNIFF_BYTES]
    if head.startswith(b"\x03\xd9\xa2\x9a"):
        return "keepass"
    if head.startswith(b"PK"):
        return _detect_zip(data)
    if suffix in (".kdbx", ".1pux"):
        raise ImportRefused(f"The file ends in {suffix} but is not one. Export it again.")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return _detect_json(head)
    if suffix == ".csv":
        return _detect_csv(head)
    if suffix in (".txt", ".text", ".md", ""):
        return "text"
    raise ImportRefused(_UNSURE)


def _detect_zip(data: bytes) -> str:
    if "export.data" in open_zip(data).namelist():
        return "1password"
    raise ImportRefused(
        "The file is a zip archive but not a 1Password .1pux export. Unzip it and import the "
        "export file inside."
    )


def _detect_json(head: bytes) -> str:
    # Only the start of the file is looked at, so the first keys decide. Both exports write
    # their distinguishing keys first: Bitwarden "encrypted", Psono "folders"/"items" of typed
    # entries with "<type>_title" fields.
    sample = head.decode("utf-8", "ignore")
    if '"encrypted"' in sample or '"passwordProtected"' in sample:
        return "bitwarden"
    if any(f'"{kind}_title"' in sample for kind in psono.ACCOUNT_TYPES):
        return "psono"
    try:
        document = json.loads(sample)
    except (json.JSONDecodeError, RecursionError):
        raise ImportRefused(_UNSURE) from None
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        return "bitwarden"
    raise ImportRefused(_UNSURE)


def _detect_csv(head: bytes) -> str:
    header = spreadsheet.header_row(head.decode("utf-8-sig", "ignore").split("\n", 1)[0])
    return "keepassxc-csv" if spreadsheet.looks_like_keepassxc(header) else "csv"
