"""Plain text files, one per account: the file name is the account's name and the whole text
goes through the code parser (prose around the codes stays in the notes)."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

from sparekey.transfer.finding import Item, find_account
from sparekey.transfer.formats.limits import MAX_TEXT_FILES, decode_text
from sparekey.transfer.items import FoundAccount, ImportRefused


def read(files: list[tuple[str, bytes]]) -> list[FoundAccount]:
    if len(files) > MAX_TEXT_FILES:
        raise ImportRefused(
            f"Choose at most {MAX_TEXT_FILES} text files at once; import the rest afterwards."
        )
    accounts = []
    for filename, data in files:
        # Browsers send a bare name, but a client may send a path from either kind of system.
        base = PureWindowsPath(PurePosixPath(filename or "").name).name
        name = PurePosixPath(base).stem if "." in base.lstrip(".") else base
        shown = base[:60] or "a file"
        text = decode_text(data, f"The file “{shown}”")
        item = Item(name=name.strip(), origin=shown, notes=text, notes_are_codes=True)
        accounts.append(find_account(item))
    return accounts
