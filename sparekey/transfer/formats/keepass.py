"""KeePass databases (.kdbx, versions 3.1 and 4) opened with their master password.

The header of a .kdbx names the key derivation and its cost, and the file's author chooses
it: a header asking for a terabyte of Argon2 memory or a billion AES rounds would tie up a
worker (or exhaust memory) before the password is even checked. ``check_kdf`` reads the header
itself and refuses costs beyond the limits below, before pykeepass derives a key.

pykeepass reads from a stream, so the database never touches the disk. Key files are not
supported: the page asks for a password only.
"""

from __future__ import annotations

import io
import struct
from typing import Any

from sparekey.transfer.finding import Item, find_account
from sparekey.transfer.formats.limits import refuse_too_many_items
from sparekey.transfer.items import FoundAccount, ImportRefused

# KeePassXC's default is 64 MiB and about ten passes; a one-second calibration on a fast
# machine stays well inside these.
MAX_ARGON2_MEMORY = 1024 * 1024 * 1024
MAX_ARGON2_ITERATIONS = 100
MAX_ARGON2_PARALLELISM = 64
# Memory (MiB) times passes: 1 GiB x 8 passes, or 64 MiB x 128, is several seconds of work.
MAX_ARGON2_WORK = 8 * 1024
# pykeepass runs AES-KDF rounds in a Python loop (about a million a second).
MAX_AES_ROUNDS = 10_000_000

WRONG_PASSWORD = "Wrong master password, or not a KeePass file"

_SIGNATURE = bytes.fromhex("03d9a29a")
_KDBX = bytes.fromhex("67fb4bb5")
_KDB1 = bytes.fromhex("65fb4bb5")
_END, _TRANSFORM_ROUNDS, _KDF_PARAMETERS = 0, 6, 11
_ARGON2 = {
    bytes.fromhex("ef636ddf8c29444b91f7a9a403e30a0c"),
    bytes.fromhex("9e298b1956db4773b23dfc3ec6f0a1e6"),
}
_AES_KDF = bytes.fromhex("c9d9f39a628a4460bf740d08c18a4fea")
_NOT_KEEPASS = "The file is not a KeePass database (.kdbx)."
_DAMAGED = "The KeePass database is damaged: its header cannot be read."


def read(data: bytes, password: str | None) -> list[FoundAccount]:
    check_kdf(data)
    if not password:
        raise ImportRefused("Enter the master password of the KeePass database.")
    # Imported here: pykeepass pulls in lxml and construct, needed only for this format.
    from pykeepass import PyKeePass

    try:
        database = PyKeePass(io.BytesIO(data), password=password)
        entries = database.entries
        recycle_bin = _recycle_bin(database)
    except Exception:  # pykeepass and construct raise many types for a wrong key or bad file.
        raise ImportRefused(WRONG_PASSWORD) from None
    refuse_too_many_items(len(entries))

    accounts: list[FoundAccount] = []
    for number, entry in enumerate(entries, 1):
        if recycle_bin is not None and _in_recycle_bin(entry, recycle_bin):
            continue
        place = "/".join(name or "" for name in entry.group.path) if entry.group else ""
        item = Item(
            name=entry.title or "",
            origin=f"{place}, entry {number}" if place else f"entry {number}",
            username=entry.username or "",
            password=entry.password or "",
            login_url=entry.url or "",
            notes=entry.notes or "",
            totp=entry.otp or "",
        )
        item.fields.extend((name, value or "") for name, value in entry.custom_properties.items())
        accounts.append(find_account(item))
    return accounts


def _recycle_bin(database: Any) -> Any:
    try:
        return database.recyclebin_group
    except Exception:  # a database without a recycle bin has no (or an empty) RecycleBinUUID
        return None


def _in_recycle_bin(entry: Any, recycle_bin: Any) -> bool:
    group = entry.group
    while group is not None:
        if group.uuid == recycle_bin.uuid:
            return True
        group = group.parentgroup
    return False


def check_kdf(data: bytes) -> None:
    """Refuse a file that is not a KDBX 3.1/4 database, or whose key derivation costs too much."""
    if len(data) < 12 or data[:4] != _SIGNATURE:
        raise ImportRefused(_NOT_KEEPASS)
    if data[4:8] == _KDB1:
        raise ImportRefused(
            "This is a KeePass 1 database (.kdb). Open it in KeePass 2 or KeePassXC and save it "
            "as .kdbx, then import that file."
        )
    if data[4:8] != _KDBX:
        raise ImportRefused(_NOT_KEEPASS)
    major = struct.unpack_from("<H", data, 10)[0]
    if major not in (3, 4):
        raise ImportRefused(
            f"KeePass database version {major} is not supported; save it with KeePass 2 or "
            "KeePassXC and import again."
        )
    length_format = "<I" if major == 4 else "<H"
    offset = 12
    while True:
        if offset + 1 + struct.calcsize(length_format) > len(data):
            raise ImportRefused(_DAMAGED)
        field_id = data[offset]
        (length,) = struct.unpack_from(length_format, data, offset + 1)
        offset += 1 + struct.calcsize(length_format)
        value = data[offset : offset + length]
        if len(value) != length:
            raise ImportRefused(_DAMAGED)
        offset += length
        if field_id == _END:
            return
        if field_id == _TRANSFORM_ROUNDS and major == 3:
            if length != 8:
                raise ImportRefused(_DAMAGED)
            _check_aes_rounds(struct.unpack("<Q", value)[0])
        elif field_id == _KDF_PARAMETERS and major == 4:
            _check_kdf_parameters(_variant_dictionary(value))


def _variant_dictionary(data: bytes) -> dict[str, int | bytes]:
    """KDBX 4's typed key-value list; only integers and byte strings matter here."""
    entries: dict[str, int | bytes] = {}
    offset = 2  # format version
    while offset < len(data):
        kind = data[offset]
        if kind == 0:
            return entries
        if offset + 5 > len(data):
            break
        (key_length,) = struct.unpack_from("<i", data, offset + 1)
        offset += 5
        key = data[offset : offset + max(key_length, 0)]
        offset += max(key_length, 0)
        if offset + 4 > len(data):
            break
        (value_length,) = struct.unpack_from("<i", data, offset)
        offset += 4
        value = data[offset : offset + max(value_length, 0)]
        offset += max(value_length, 0)
        if len(key) != key_length or len(value) != value_length:
            break
        name = key.decode("utf-8", "replace")
        if kind in (0x04, 0x05, 0x0C, 0x0D) and value_length in (4, 8):
            entries[name] = int.from_bytes(value, "little", signed=kind in (0x0C, 0x0D))
        elif kind == 0x42:
            entries[name] = value
    raise ImportRefused(_DAMAGED)


def _check_kdf_parameters(parameters: dict[str, int | bytes]) -> None:
    kdf = parameters.get("$UUID")
    if kdf == _AES_KDF:
        rounds = parameters.get("R")
        _check_aes_rounds(rounds if isinstance(rounds, int) else 0)
        return
    if kdf not in _ARGON2:
        raise ImportRefused(
            "The KeePass database uses a key derivation Sparekey does not know. Save it with "
            "Argon2 or AES-KDF in KeePass 2 or KeePassXC and import again."
        )
    memory, iterations, parallelism = (parameters.get(key) for key in ("M", "I", "P"))
    if not all(isinstance(value, int) and value > 0 for value in (memory, iterations, parallelism)):
        raise ImportRefused(_DAMAGED)
    assert isinstance(memory, int) and isinstance(iterations, int)  # for the type checker
    assert isinstance(parallelism, int)
    if (
        memory > MAX_ARGON2_MEMORY
        or iterations > MAX_ARGON2_ITERATIONS
        or parallelism > MAX_ARGON2_PARALLELISM
        or (memory // (1024 * 1024)) * iterations > MAX_ARGON2_WORK
    ):
        raise ImportRefused(
            "The KeePass database asks for a key derivation too costly to run on the server "
            f"(at most {MAX_ARGON2_MEMORY // (1024 * 1024)} MiB of Argon2 memory and "
            f"{MAX_ARGON2_ITERATIONS} iterations). In KeePassXC, lower them under Database "
            "Settings > Security > Encryption, save, and import again."
        )


def _check_aes_rounds(rounds: int) -> None:
    if rounds <= 0:
        raise ImportRefused(_DAMAGED)
    if rounds > MAX_AES_ROUNDS:
        raise ImportRefused(
            f"The KeePass database asks for more than {MAX_AES_ROUNDS:,} AES-KDF rounds, too "
            "costly to run on the server. In KeePass or KeePassXC, switch its key derivation to "
            "Argon2 (or lower the rounds), save, and import again."
        )
