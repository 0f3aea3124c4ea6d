"""`sparekey import` and `sparekey export`: thin commands over the same services."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pyrage
import pytest
from django.core.management import CommandError, call_command

from sparekey.accounts.models import Account
from sparekey.audit.models import Action as Audit
from sparekey.audit.models import AuditEvent
from sparekey.backup_codes import services as backup_codes
from sparekey.mfa import services as mfa
from sparekey.transfer.formats.limits import MAX_UPLOAD_BYTES
from sparekey.workspace.models import Member
from tests.conftest import GITHUB_CODES, make_member
from tests.transfer.fixtures import bitwarden_json, bitwarden_sparekey_item, kdbx_file
from tests.transfer.test_import_service import row_counts

SECRETS = ["cmd-Password-77", "qq11-ww22-ee33", "rr44-tt55-yy66", "uu77-ii88-oo99"]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def export_file(tmp_path: Path) -> Path:
    item = bitwarden_sparekey_item(
        "Cmd Social",
        app="Social",
        unused=SECRETS[1:3],
        used=SECRETS[3:],
        password=SECRETS[0],
        username="cmd-user",
    )
    path = tmp_path / "bitwarden.json"
    path.write_bytes(bitwarden_json([item]))
    return path


def test_a_dry_run_prints_the_preview_and_writes_nothing(alice: Member, export_file: Path) -> None:
    before = row_counts()
    output = run("import", str(export_file), "--as", alice.email, "--dry-run")
    assert row_counts() == before
    assert "Cmd Social" in output and "3 backup codes found (1 marked used)" in output
    assert "New account" in output and "Dry run: nothing was imported." in output
    for secret in SECRETS:
        assert secret not in output


def test_an_import_prints_its_summary_and_a_second_one_skips(
    alice: Member, export_file: Path
) -> None:
    output = run("import", str(export_file), "--as", alice.email)
    assert "1 created" in output
    account = Account.objects.get(name="Cmd Social")
    assert mfa.reveal_password(alice, account) == SECRETS[0]
    used = [c.code for c in backup_codes.reveal_codes(alice, account) if c.used_at]
    assert used == SECRETS[3:]
    before = row_counts(without_audit=True)
    output = run("import", str(export_file), "--as", alice.email, "--on-conflict", "skip")
    assert "0 created" in output and "skipped Cmd Social: Cmd Social (Social) exists" in output
    assert row_counts(without_audit=True) == before
    for secret in SECRETS:
        assert secret not in output
    assert AuditEvent.objects.filter(action=Audit.IMPORT_DONE).count() == 2


def test_add_codes_replaces_the_codes_of_an_account_the_member_owns(
    alice: Member, account_with_codes: Account, tmp_path: Path
) -> None:
    item = bitwarden_sparekey_item("Brand X", app="X", unused=SECRETS[1:])
    path = tmp_path / "codes.json"
    path.write_bytes(bitwarden_json([item]))
    output = run("import", str(path), "--as", alice.email, "--on-conflict", "add-codes")
    assert "codes added to 1" in output
    codes = [c.code for c in backup_codes.reveal_codes(alice, account_with_codes)]
    assert codes == SECRETS[1:]


def test_login_only_members_cannot_import(db: None, export_file: Path) -> None:
    frank = make_member("frank-cmd@example.com", "login_only")
    before = row_counts()
    with pytest.raises(CommandError, match="Login-Only"):
        run("import", str(export_file), "--as", frank.email)
    assert row_counts() == before


def test_a_file_over_the_limit_is_refused_before_it_is_read(alice: Member, tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as out:
        out.truncate(MAX_UPLOAD_BYTES + 1)  # sparse: no 10 MiB written to the disk
    before = row_counts()
    with pytest.raises(CommandError, match="larger than 10 MiB"):
        run("import", str(path), "--as", alice.email)
    assert row_counts() == before


def test_a_keepass_password_comes_from_a_file_and_a_wrong_one_is_refused(
    alice: Member, tmp_path: Path
) -> None:
    vault = tmp_path / "vault.kdbx"
    vault.write_bytes(kdbx_file([{"title": "Cmd Kp", "password": "kp-77"}], password="right"))
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not it\n")
    before = row_counts()
    with pytest.raises(CommandError, match="Wrong master password"):
        run("import", str(vault), "--as", alice.email, "--password-file", str(wrong))
    assert row_counts() == before
    right = tmp_path / "right.txt"
    right.write_text("right\n")
    output = run("import", str(vault), "--as", alice.email, "--password-file", str(right))
    assert "1 created" in output and "kp-77" not in output


def test_export_writes_an_age_file_only_its_owner_reads(
    alice: Member, account_with_codes: Account, tmp_path: Path
) -> None:
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("a passphrase for the command\n")
    out = tmp_path / "export.age"
    output = run(
        "export", "--as", alice.email, "--out", str(out), "--passphrase-file", str(passphrase)
    )
    assert output.strip() == f"Exported 1 account to {out} (age, passphrase-encrypted)."
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    document = pyrage.passphrase.decrypt(out.read_bytes(), "a passphrase for the command")
    assert b'"Brand X"' in document
    for code in GITHUB_CODES.split():
        assert code not in output
    with pytest.raises(CommandError, match="exists"):
        run("export", "--as", alice.email, "--out", str(out), "--passphrase-file", str(passphrase))


def test_export_of_one_account_needs_its_owner(
    carol: Member, account_with_codes: Account, tmp_path: Path
) -> None:
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("a passphrase for the command\n")
    out = tmp_path / "export.age"
    args = ["--out", str(out), "--passphrase-file", str(passphrase)]
    with pytest.raises(CommandError, match="owns no account"):
        run("export", "--as", carol.email, "--account", str(account_with_codes.uuid), *args)
    with pytest.raises(CommandError, match="owns no account to export"):
        run("export", "--as", carol.email, *args)
    assert not out.exists()
    short = tmp_path / "short.txt"
    short.write_text("short\n")
    with pytest.raises(CommandError, match="at least 12"):
        run(
            "export",
            "--as",
            "alice@example.com",
            "--out",
            str(out),
            "--passphrase-file",
            str(short),
        )
    assert not out.exists()
