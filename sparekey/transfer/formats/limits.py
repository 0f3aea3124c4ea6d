"""What an import file may cost us, and the careful ways of opening one.

An import file comes from a browser upload and may have been made to hurt: a JSON nested
thousands deep (Python's decoder would hit its recursion limit), a zip that inflates to
gigabytes, a KeePass header asking for a terabyte of Argon2 memory. Every reader goes through
these functions, which refuse such input with a sentence for the user before doing the work.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from typing import Any

from sparekey.transfer.items import ImportRefused

# The page refuses bigger uploads too; a reader called another way (the command) must not trust
# that. Real exports of a team vault are far below this.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# More items than any shared-accounts vault holds; each becomes a row of the preview.
MAX_ITEMS = 5_000
# Exports nest a few levels (folders in folders); 64 leaves room for deep folder trees and stays
# far below Python's recursion limit, which the json module would otherwise hit.
MAX_JSON_DEPTH = 64
# A .1pux holds export.data, export.attributes and one member per attachment.
MAX_ZIP_MEMBERS = 2_000
# The JSON inside a zip may be larger than the upload, but not without bound.
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
# JSON compresses 5-20 times; zip bombs compress a thousand times and more.
MAX_COMPRESSION_RATIO = 100
# Plain text files: one per account, each a small note.
MAX_TEXT_FILES = 500

# A JSON string (ending at its closing quote, or at the end of a truncated file, so that every
# quote starts a match and the scan stays linear), or a bracket.
_STRING_OR_BRACKET = re.compile(rb'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)


def refuse_oversized(size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        raise ImportRefused(
            f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB. Export only the "
            "folders or vaults with the accounts to import, or split the file."
        )


def refuse_too_many_items(count: int) -> None:
    if count > MAX_ITEMS:
        raise ImportRefused(
            f"The file holds more than {MAX_ITEMS:,} items. Export only the folders or vaults "
            "with the accounts to import."
        )


def decode_text(data: bytes, what: str = "The file") -> str:
    """UTF-8 text without its byte order mark; anything else is refused, never guessed."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(
            f"{what} is not UTF-8 text. Export it again as UTF-8 (most password managers do by "
            "default), or save it as UTF-8 in a text editor."
        ) from None


def load_json(data: bytes, what: str = "The file") -> Any:
    """Decode JSON after checking its nesting depth, so a hostile nesting is a refusal rather
    than a RecursionError deep inside the json module."""
    refuse_deep_json(data, what)
    text = decode_text(data, what)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ImportRefused(f"{what} is not valid JSON; it may be truncated or damaged.") from None


def refuse_deep_json(data: bytes, what: str = "The file") -> None:
    # Brackets inside strings do not count: the scan steps over each string whole.
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ImportRefused(
                    f"{what} is nested more than {MAX_JSON_DEPTH} levels deep, which no "
                    "password manager export is. It cannot be imported."
                )
        elif token in (b"]", b"}"):
            depth -= 1


def open_zip(data: bytes, what: str = "The file") -> zipfile.ZipFile:
    """Open a zip after checking its directory: member count, declared sizes and ratios. The
    declared sizes can lie, so ``read_zip_member`` enforces them again while inflating."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise ImportRefused(
            f"{what} is not a complete zip archive; it may be truncated or damaged. Export it "
            "again."
        ) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportRefused(
            f"{what} holds more than {MAX_ZIP_MEMBERS:,} files; an export holds a few. It cannot "
            "be imported."
        )
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ImportRefused(
            f"{what} would unpack to more than {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MiB. "
            "Export only the vaults with the accounts to import."
        )
    for member in members:
        if member.flag_bits & 0x1:
            raise ImportRefused(f"{what} is an encrypted zip archive; export it unencrypted.")
        if member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1024):
            raise ImportRefused(
                f"{what} holds a file compressed more than {MAX_COMPRESSION_RATIO} times, as "
                "only a zip bomb is. It cannot be imported."
            )
    return archive


def read_zip_member(archive: zipfile.ZipFile, name: str, what: str = "The file") -> bytes:
    """Inflate one member in chunks, stopping at MAX_UNCOMPRESSED_BYTES whatever the directory
    claims (zipfile also stops at the declared size and checks the CRC)."""
    chunks: list[bytes] = []
    size = 0
    damaged = False
    try:
        with archive.open(name) as stream:
            while size <= MAX_UNCOMPRESSED_BYTES and (chunk := stream.read(1024 * 1024)):
                size += len(chunk)
                chunks.append(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, zlib.error):
        damaged = True
    if damaged:
        raise ImportRefused(
            f"{what} is damaged: a file inside it cannot be unpacked. Export it again."
        )
    if size > MAX_UNCOMPRESSED_BYTES:
        raise ImportRefused(
            f"{what} would unpack to more than {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MiB. "
            "Export only the vaults with the accounts to import."
        )
    return b"".join(chunks)


def text(value: Any) -> str:
    """A value from a parsed export as text: None and non-strings of JSON become "" or their
    plain form, so a reader never trips over a null where a string was expected."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return ""
