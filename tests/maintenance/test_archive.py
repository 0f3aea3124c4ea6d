"""The backup file format: any flipped byte, any cut, anything added is refused by name."""

from __future__ import annotations

import hashlib
import json
import random
import tarfile
from pathlib import Path
from typing import Any

import pytest

from sparekey.maintenance.archive import (
    FORMAT,
    KEYRING,
    VERSION,
    BackupError,
    open_archive,
    write_archive,
)


def manifest_for(snapshot: bytes, *, key: bool = False, version: Any = VERSION) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": version,
        "created_at": "2026-12-04T12:00:00+00:00",
        "database": {
            "engine": "sqlite",
            "file": "database.sqlite3",
            "sha256": hashlib.sha256(snapshot).hexdigest(),
            "bytes": len(snapshot),
        },
        "counts": {"accounts": 1, "code_sets": 1, "codes": 3, "audit_events": 4},
        "key_ids": ["1a2b3c4d"],
        "current_key_id": "1a2b3c4d",
        "audit_head": {"seq": 4, "mac": "0" * 64},
        "key": {"file": KEYRING} if key else None,
    }


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    snapshot = tmp_path / "database.sqlite3"
    snapshot.write_bytes(random.Random(1).randbytes(3000))
    sealed = tmp_path / KEYRING
    sealed.write_bytes(b"sealed keyring" * 10)
    out = tmp_path / "vault.backup"
    write_archive(
        out,
        manifest_for(snapshot.read_bytes(), key=True),
        {"database.sqlite3": snapshot, KEYRING: sealed},
    )
    return out


def test_a_backup_reads_back_with_its_manifest(backup: Path) -> None:
    archive = open_archive(backup)
    assert archive.manifest["counts"]["codes"] == 3
    assert archive.has_key
    assert archive.read(KEYRING) == b"sealed keyring" * 10
    with tarfile.open(backup) as tar:  # an ordinary tar, listed by any tool
        assert tar.getnames() == ["manifest.json", "database.sqlite3", KEYRING, "SHA256SUMS"]
    assert backup.stat().st_mode & 0o777 == 0o600


def test_every_flipped_byte_is_refused(backup: Path) -> None:
    original = backup.read_bytes()
    with tarfile.open(backup) as tar:
        headers = [info.offset for info in tar.getmembers()]
    # Every byte of every header (tar itself checks only part of one), and a sample of the rest:
    # manifest, snapshot, key, sums, padding and the zeros at the end.
    positions = {offset + i for offset in headers for i in range(tarfile.BLOCKSIZE)}
    positions |= set(random.Random(2).sample(range(len(original)), 300))
    for position in sorted(positions):
        damaged = bytearray(original)
        damaged[position] ^= 0x01
        backup.write_bytes(bytes(damaged))
        with pytest.raises(BackupError) as refused:
            open_archive(backup)
        assert str(refused.value), position


def test_every_cut_and_every_addition_is_refused(backup: Path) -> None:
    original = backup.read_bytes()
    for length in [0, 1, 511, 512, 1024, *range(0, len(original), 97), len(original) - 1]:
        backup.write_bytes(original[:length])
        with pytest.raises(BackupError):
            open_archive(backup)
    for extra in (b"\0", b"\0" * 10240, b"more"):
        backup.write_bytes(original + extra)
        with pytest.raises(BackupError, match=r"truncated or had data added|altered"):
            open_archive(backup)


def test_an_unknown_manifest_version_is_refused_by_name(tmp_path: Path) -> None:
    snapshot = tmp_path / "database.sqlite3"
    snapshot.write_bytes(b"snapshot")
    out = tmp_path / "future.backup"
    write_archive(out, manifest_for(b"snapshot", version=2), {"database.sqlite3": snapshot})
    with pytest.raises(BackupError, match="manifest version 2; this Sparekey reads version 1"):
        open_archive(out)


def test_a_tar_that_is_not_a_sparekey_backup_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.tar"
    (tmp_path / "notes.txt").write_text("hello")
    with tarfile.open(other, "w") as tar:
        tar.add(tmp_path / "notes.txt", arcname="notes.txt")
    with pytest.raises(BackupError, match=r"unexpected member 'notes\.txt'"):
        open_archive(other)
    (tmp_path / "nothing").write_text("")
    with pytest.raises(BackupError):
        open_archive(tmp_path / "nothing")


def test_a_snapshot_swapped_for_another_is_refused(tmp_path: Path) -> None:
    snapshot = tmp_path / "database.sqlite3"
    snapshot.write_bytes(b"the real snapshot")
    manifest = manifest_for(b"another snapshot")
    out = tmp_path / "swapped.backup"
    write_archive(out, manifest, {"database.sqlite3": snapshot})
    with pytest.raises(BackupError, match="manifest and its snapshot disagree"):
        open_archive(out)


def test_the_manifest_is_json_anyone_can_read(backup: Path) -> None:
    with tarfile.open(backup) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        manifest = json.load(member)
        sums = tar.extractfile("SHA256SUMS")
        assert sums is not None
        lines = sums.read().decode().splitlines()
    assert manifest["database"]["sha256"] in lines[1]
    assert [line.split("  ")[1] for line in lines] == [
        "manifest.json",
        "database.sqlite3",
        KEYRING,
    ]
