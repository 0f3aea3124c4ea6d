"""The backup file: one uncompressed tar that any tool lists, checked byte for byte on restore.

    manifest.json       format, version, time, key ids, counts, the snapshot's checksum
    database.sqlite3    SQLite's online backup of the database, or
    database.pgdump     pg_dump --format=custom
    keyring.sealed      with --with-key: the keyring, sealed under a passphrase (Argon2id)
    SHA256SUMS          `sha256sum -c` lines for the members above

Every byte is accounted for when a backup is read: tar checks each header's checksum, SHA256SUMS
covers every member's content (and so the manifest), the padding between members and the end of
the archive must be zeros, and the file must be exactly as long as tar writes it. A flipped byte
anywhere or a truncated file is refused before anything is restored.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

FORMAT = "sparekey-backup"
VERSION = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
KEYRING = "keyring.sealed"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ALLOWED = {MANIFEST, SUMS, KEYRING, *DATABASE_MEMBERS.values()}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup cannot be used; the message says why and nothing was written."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_archive(out: Path, manifest: dict[str, Any], files: dict[str, Path]) -> int:
    """Write the archive to ``out`` (mode 0600; never over an existing file); return its size."""
    manifest_bytes = _json_bytes(manifest)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            with tarfile.open(fileobj=handle, mode="w", format=tarfile.USTAR_FORMAT) as tar:
                _add_bytes(tar, MANIFEST, manifest_bytes)
                digests = {MANIFEST: hashlib.sha256(manifest_bytes).hexdigest()}
                for name, path in files.items():
                    info = _info(name, path.stat().st_size)
                    with path.open("rb") as member:
                        tar.addfile(info, member)
                    digests[name] = sha256_of(path)
                _add_bytes(tar, SUMS, _sums_text(digests))
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, out)
    except FileExistsError:
        raise BackupError(f"{out} already exists; choose a new file name.") from None
    finally:
        temporary.unlink(missing_ok=True)
    return out.stat().st_size


@dataclass
class Archive:
    path: Path
    manifest: dict[str, Any]
    members: dict[str, tarfile.TarInfo]

    @property
    def database_member(self) -> str:
        return str(self.manifest["database"]["file"])

    @property
    def has_key(self) -> bool:
        return KEYRING in self.members

    def read(self, name: str) -> bytes:
        with self._member(name) as handle:
            return handle.read()

    def extract(self, name: str, destination: Path) -> None:
        descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out, self._member(name) as handle:
            while chunk := handle.read(CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())

    @contextmanager
    def _member(self, name: str) -> Iterator[IO[bytes]]:
        with tarfile.open(self.path, mode="r:") as tar:
            handle = tar.extractfile(self.members[name])
            if handle is None:
                raise BackupError(f"The backup's {name} is not a file.")
            yield handle


def open_archive(path: Path) -> Archive:
    """Read and check a backup: layout, checksums and manifest. Raises BackupError."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    try:
        with tarfile.open(path, mode="r:") as tar:
            infos = tar.getmembers()
            members = _check_members(infos)
            _check_layout(path, infos)
            expected = _read_sums(tar, members)
            for name, info in members.items():
                if name != SUMS and _member_sha256(tar, info) != expected[name]:
                    raise BackupError(
                        f"The backup's {name} does not match its checksum: the file was altered "
                        "or damaged."
                    )
            manifest_file = tar.extractfile(members[MANIFEST])
            assert manifest_file is not None
            manifest = _parse_manifest(manifest_file.read())
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(
            f"{path} is not a complete Sparekey backup (truncated or damaged: {error})."
        ) from None
    if manifest["database"]["file"] not in members:
        raise BackupError("The backup has no database snapshot.")
    if manifest["database"]["sha256"] != expected[manifest["database"]["file"]]:
        raise BackupError("The backup's manifest and its snapshot disagree: the file was altered.")
    if bool(manifest.get("key")) != (KEYRING in members):
        raise BackupError("The backup's manifest and its key disagree: the file was altered.")
    return Archive(path, manifest, members)


def _check_members(infos: list[tarfile.TarInfo]) -> dict[str, tarfile.TarInfo]:
    members: dict[str, tarfile.TarInfo] = {}
    for info in infos:
        if info.name not in ALLOWED or not info.isreg() or info.name in members:
            raise BackupError(f"The backup holds an unexpected member {info.name!r}.")
        members[info.name] = info
    if MANIFEST not in members or SUMS not in members:
        raise BackupError("This is not a Sparekey backup, or it was truncated (no manifest).")
    return members


def _check_layout(path: Path, infos: list[tarfile.TarInfo]) -> None:
    """Headers are as tar writes them, padding and the end of the archive are zeros, and the
    file ends where tar ends it."""
    size = path.stat().st_size
    end = 0
    with path.open("rb") as handle:
        for info in infos:
            # tar reads a header's checksum field only up to its NUL: compare the whole header
            # with the one tarfile writes for the same member.
            handle.seek(info.offset)
            if handle.read(tarfile.BLOCKSIZE) != info.tobuf(tarfile.USTAR_FORMAT, "utf-8"):
                raise BackupError(f"The backup's header of {info.name} was altered.")
            data_end = info.offset_data + info.size
            end = _round_up(data_end, tarfile.BLOCKSIZE)
            _check_zeros(handle, data_end, end - data_end)
        # tar ends with two zero blocks, then pads the file to a whole record.
        expected = _round_up(end + 2 * tarfile.BLOCKSIZE, tarfile.RECORDSIZE)
        if size != expected:
            raise BackupError(
                f"The backup is {size} bytes long where its contents end at {expected}: it was "
                "truncated or had data added."
            )
        _check_zeros(handle, end, size - end)


def _round_up(offset: int, unit: int) -> int:
    return -(-offset // unit) * unit


def _check_zeros(handle: IO[bytes], offset: int, length: int) -> None:
    handle.seek(offset)
    remaining = length
    while remaining > 0:
        chunk = handle.read(min(CHUNK, remaining))
        if not chunk:
            raise BackupError("The backup ends too soon: it was truncated.")
        if chunk.count(0) != len(chunk):
            raise BackupError("The backup has bytes where tar leaves zeros: it was altered.")
        remaining -= len(chunk)


def _read_sums(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> dict[str, str]:
    handle = tar.extractfile(members[SUMS])
    assert handle is not None
    raw = handle.read()
    expected: dict[str, str] = {}
    try:
        for line in raw.decode("ascii").split("\n")[:-1]:
            digest, name = line.split("  ", 1)
            expected[name] = digest
    except (UnicodeDecodeError, ValueError):
        raise BackupError("The backup's SHA256SUMS is damaged.") from None
    if raw != _sums_text(expected):
        raise BackupError("The backup's SHA256SUMS is damaged.")
    if set(expected) != set(members) - {SUMS}:
        raise BackupError("The backup's SHA256SUMS does not list its members: it was altered.")
    return expected


def _sums_text(digests: dict[str, str]) -> bytes:
    return "".join(f"{digest}  {name}\n" for name, digest in digests.items()).encode()


def _member_sha256(tar: tarfile.TarFile, info: tarfile.TarInfo) -> str:
    handle = tar.extractfile(info)
    assert handle is not None
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _parse_manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(raw)
    except ValueError:
        raise BackupError("The backup's manifest is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This is not a Sparekey backup (its manifest names another format).")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"The backup has manifest version {manifest.get('version')!r}; this Sparekey reads "
            f"version {VERSION}. Restore it with the Sparekey that wrote it, or a newer one."
        )
    try:
        database = manifest["database"]
        if (
            database["engine"] not in DATABASE_MEMBERS
            or database["file"] != DATABASE_MEMBERS[database["engine"]]
        ):
            raise KeyError("engine")
        for name in ("accounts", "code_sets", "codes", "audit_events"):
            int(manifest["counts"][name])
        list(manifest["key_ids"])
    except (KeyError, TypeError, ValueError) as error:
        raise BackupError(f"The backup's manifest lacks {error}.") from None
    return manifest


def _json_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=1, sort_keys=True) + "\n").encode()


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(time.time())
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, content: bytes) -> None:
    tar.addfile(_info(name, len(content)), io.BytesIO(content))
