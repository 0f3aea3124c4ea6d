"""`sparekey restore` refuses a bad backup or a bad target with a clear error, and leaves the
target exactly as it was (its files and their contents, and on PostgreSQL its tables)."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sparekey.crypto import Key, Keyring
from sparekey.maintenance.archive import open_archive, write_archive
from tests.maintenance.conftest import Vault, Vaults

PASSPHRASE = "the right passphrase, long enough"


@dataclass(frozen=True)
class Backups:
    source: Vault
    with_key: Path
    without_key: Path
    passphrase: Path
    directory: Path


@pytest.fixture(scope="module")
def backups(
    tmp_path_factory: pytest.TempPathFactory, migrated_template: tuple[Path, str | None]
) -> Iterator[Backups]:
    directory = tmp_path_factory.mktemp("backups")
    vaults = Vaults(directory, migrated_template)
    source = vaults()
    source.script("populate", "3", "2")
    passphrase = directory / "passphrase"
    passphrase.write_text(PASSPHRASE + "\n")
    with_key, without_key = directory / "with-key.backup", directory / "without-key.backup"
    source.ok("backup", str(with_key), "--with-key", "--passphrase-file", str(passphrase))
    source.ok("backup", str(without_key))
    yield Backups(source, with_key, without_key, passphrase, directory)
    vaults.drop()


def refused(target: Vault, backup: Path, *extra: str) -> str:
    before = target.state()
    result = target.run("restore", str(backup), *extra)
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith("CommandError: "), result.stderr
    assert "Traceback" not in result.stderr
    assert target.state() == before, "the target was touched"
    return result.stderr


def damaged_copy(backups: Backups, name: str, damage: Callable[[bytes], bytes]) -> Path:
    copy = backups.directory / name
    if not copy.exists():
        copy.write_bytes(damage(backups.with_key.read_bytes()))
    return copy


def snapshot_offset(backup: Path) -> int:
    with tarfile.open(backup) as tar:
        return next(info.offset_data for info in tar if info.name.startswith("database."))


def test_a_truncated_backup(make_vault: Vaults, backups: Backups) -> None:
    cut = damaged_copy(backups, "cut.backup", lambda data: data[: len(data) // 2])
    error = refused(make_vault(empty=True), cut, "--passphrase-file", str(backups.passphrase))
    assert "is not a complete Sparekey backup" in error or "truncated" in error


def test_a_flipped_byte_in_the_snapshot(make_vault: Vaults, backups: Backups) -> None:
    offset = snapshot_offset(backups.with_key) + 700

    def flip(data: bytes) -> bytes:
        return data[:offset] + bytes([data[offset] ^ 0x40]) + data[offset + 1 :]

    flipped = damaged_copy(backups, "flipped.backup", flip)
    error = refused(make_vault(empty=True), flipped, "--passphrase-file", str(backups.passphrase))
    assert "does not match its checksum: the file was altered or damaged" in error


def test_a_wrong_passphrase(make_vault: Vaults, backups: Backups, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase it was sealed with\n")
    error = refused(make_vault(empty=True), backups.with_key, "--passphrase-file", str(wrong))
    assert "The passphrase does not open the key in this backup" in error


def test_a_wrong_key(make_vault: Vaults, backups: Backups) -> None:
    target = make_vault(empty=True)
    other = Key.generate()
    Keyring([other], other.id).save(target.key_file)
    needed, _ = backups.source.keyring()
    error = refused(target, backups.without_key)
    assert f"The backup needs master key {needed}, which the configured key lacks" in error
    assert f"it holds {other.id}" in error


def test_no_key_at_all(make_vault: Vaults, backups: Backups) -> None:
    error = refused(make_vault(empty=True), backups.without_key)
    assert "This backup holds no key. Put the master key in place first" in error


def test_a_target_that_has_a_database_already(make_vault: Vaults, backups: Backups) -> None:
    target = make_vault()  # migrated: tables, and on SQLite the database file
    error = refused(target, backups.with_key, "--passphrase-file", str(backups.passphrase))
    assert "restore only into an empty" in error


def test_a_target_that_has_a_key_file_already(make_vault: Vaults, backups: Backups) -> None:
    target = make_vault(empty=True)
    target.key_file.write_bytes(backups.source.key_file.read_bytes())
    target.key_file.chmod(0o600)
    error = refused(target, backups.with_key, "--passphrase-file", str(backups.passphrase))
    assert "master.key already exists" in error and "--skip-key" in error


def test_an_unknown_manifest_version(make_vault: Vaults, backups: Backups) -> None:
    archive = open_archive(backups.without_key)
    snapshot = backups.directory / archive.database_member
    if not snapshot.exists():
        archive.extract(archive.database_member, snapshot)
    future = backups.directory / "future.backup"
    if not future.exists():
        write_archive(future, {**archive.manifest, "version": 2}, {snapshot.name: snapshot})
    target = make_vault(empty=True)
    target.key_file.write_bytes(backups.source.key_file.read_bytes())
    target.key_file.chmod(0o600)
    error = refused(target, future)
    assert "The backup has manifest version 2; this Sparekey reads version 1" in error


def test_the_good_backup_restores_into_the_same_kind_of_target(
    make_vault: Vaults, backups: Backups
) -> None:
    """The control: what the cases above refuse is the damage, not the backup."""
    target = make_vault(empty=True)
    target.ok("restore", str(backups.with_key), "--passphrase-file", str(backups.passphrase))
    assert json.loads(target.key_file.read_text())["current"] == backups.source.keyring()[0]
