"""`sparekey backup` while requests run, `sparekey restore` on a fresh data directory (and, with
SPAREKEY_TEST_DB=postgres, a fresh database): everything is there and opens, and claims carry on
where they stopped."""

from __future__ import annotations

import json
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

from tests.maintenance.conftest import Vault, Vaults, wait_for_log

PASSPHRASE = "a long enough passphrase for the tests\n"


def manifest_of(backup: Path) -> dict[str, Any]:
    with tarfile.open(backup) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return dict(json.load(member))


def counts_of(vault: Vault) -> dict[str, int]:
    tables = {
        "accounts": "accounts_account",
        "code_sets": "backup_codes_codeset",
        "codes": "backup_codes_backupcode",
        "audit_events": "audit_auditevent",
    }
    return {
        name: vault.query(f"SELECT COUNT(*) FROM {table}")[0][0] for name, table in tables.items()
    }


def used_codes(vault: Vault, first: int, last: int) -> list[tuple[str, int]]:
    rows = vault.query(
        "SELECT a.name, c.position FROM backup_codes_backupcode c "
        "JOIN backup_codes_codeset s ON c.code_set_id = s.id "
        "JOIN accounts_account a ON s.account_id = a.id WHERE c.used_at IS NOT NULL"
    )
    names = {f"Account {index:05d}" for index in range(first, last + 1)}
    return sorted((name, position) for name, position in rows if name in names)


def test_a_backup_taken_while_requests_run_restores_whole_elsewhere(
    make_vault: Vaults, tmp_path: Path
) -> None:
    source = make_vault()
    source.script("populate", "40", "5")
    source.script("claim", "30", "34")  # one code of each, used before the backup
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(PASSPHRASE)
    log, stop, backup = tmp_path / "workload.log", tmp_path / "stop", tmp_path / "vault.backup"
    server = source.popen("workload", str(log), str(stop), script=True, stderr=subprocess.PIPE)
    try:
        wait_for_log(log, 20, server)
        output = source.ok(
            "backup", str(backup), "--with-key", "--passphrase-file", str(passphrase)
        )
        time.sleep(0.3)  # requests go on after the snapshot, and are not in it
    finally:
        stop.touch()
        _, errors = server.communicate(timeout=60)
    assert server.returncode == 0, errors
    manifest = manifest_of(backup)
    assert f"Wrote {backup}" in output and "NOT in this backup" not in output
    assert manifest["format"] == "sparekey-backup" and manifest["version"] == 1
    assert manifest["counts"]["accounts"] == 40
    assert manifest["key_ids"] == [source.keyring()[0]]
    assert manifest["key"]["key_ids"] == [source.keyring()[0]]
    assert backup.stat().st_mode & 0o077 == 0
    assert source.query("SELECT COUNT(*) FROM maintenance_backuprecord")[0][0] == 1

    target = make_vault(empty=True)
    restored = target.ok("restore", str(backup), "--passphrase-file", str(passphrase))
    assert "every one checked" in restored
    assert "The master key file was restored from the backup too" in restored
    counts = counts_of(target)
    assert counts == {**manifest["counts"], "audit_events": manifest["counts"]["audit_events"] + 1}
    assert target.keyring() == source.keyring()
    opened = target.script("check-snapshot")
    assert opened["wrong"] == [] and opened["codes"] == manifest["counts"]["codes"]
    assert used_codes(target, 30, 34) == [(f"Account {i:05d}", 1) for i in range(30, 35)]
    claimed = target.script("claim", "30", "34")
    assert [code["position"] for code in claimed] == [2, 2, 2, 2, 2]
    assert "Everything opens and the audit chain is intact" in target.ok("verify")
    actions = [row[0] for row in target.query("SELECT action FROM audit_auditevent ORDER BY seq")]
    assert "restored" in actions


def test_a_backup_without_its_key_restores_with_the_key_file_put_back_first(
    make_vault: Vaults, tmp_path: Path
) -> None:
    source = make_vault()
    source.script("populate", "5", "3")
    backup = tmp_path / "vault.backup"
    output = source.ok("backup", str(backup))
    current, _ = source.keyring()
    assert f"The master key is NOT in this backup: keep a copy of key {current}" in output
    assert manifest_of(backup)["key"] is None
    target = make_vault(empty=True)
    result = target.run("restore", str(backup))
    assert result.returncode == 1
    assert "This backup holds no key. Put the master key in place first" in result.stderr
    target.key_file.write_bytes(source.key_file.read_bytes())
    target.key_file.chmod(0o600)
    assert "every one checked" in target.ok("restore", str(backup))
    assert target.script("check")["wrong"] == []


def test_a_backup_is_never_written_over_an_existing_file(vault: Vault, tmp_path: Path) -> None:
    vault.script("populate", "1", "1")
    backup = tmp_path / "vault.backup"
    backup.write_text("an older backup")
    result = vault.run("backup", str(backup))
    assert result.returncode == 1
    assert "already exists" in result.stderr
    assert backup.read_text() == "an older backup"
