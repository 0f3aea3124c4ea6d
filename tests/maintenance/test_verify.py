"""`sparekey verify`: every sealed value opened in memory, never shown; a failure names the
record by uuid; the result is recorded for the maintenance page."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sparekey.accounts.models import Account
from sparekey.audit.models import AuditEvent
from sparekey.backup_codes.models import BackupCode
from sparekey.keys import keyring
from sparekey.maintenance.models import Verification
from tests.maintenance.conftest import Vault
from tests.maintenance.vault import code_for, populate

pytestmark = pytest.mark.django_db


def verify(*args: str) -> str:
    out = io.StringIO()
    try:
        call_command("verify", *args, stdout=out)
    except CommandError as error:
        error.output = out.getvalue()  # type: ignore[attr-defined]
        raise
    return out.getvalue()


def test_it_opens_everything_and_records_the_result(own_keyring: Path) -> None:
    populate(3, 4)
    output = verify()
    assert "Opened 3 of 3 data keys, 12 of 12 codes (3 code sets)" in output
    assert "Everything opens and the audit chain is intact." in output
    check = Verification.objects.get()
    assert check.ok and check.failures == 0
    assert check.counts["codes"] == 12
    assert AuditEvent.objects.order_by("-seq").first().action == "verified"  # type: ignore[union-attr]


def test_a_code_that_does_not_open_is_named_never_shown(own_keyring: Path) -> None:
    populate(2, 3)
    code = BackupCode.objects.select_related("code_set__account").order_by("pk")[1]
    account = code.code_set.account
    sealed = bytearray(code.sealed)
    sealed[-1] ^= 0x01
    BackupCode.objects.filter(pk=code.pk).update(sealed=bytes(sealed))
    with pytest.raises(CommandError) as failed:
        verify()
    assert failed.value.returncode == 1
    output = failed.value.output  # type: ignore[attr-defined]
    assert f"FAILED code {code.uuid} of account {account.uuid}: it does not open" in output
    assert "5 of 6 codes" in output
    for other in range(1, 4):
        assert code_for(account.name, other) not in output
    check = Verification.objects.get()
    assert not check.ok and check.failures == 1
    assert str(code.uuid) in check.problems[0]


def test_a_data_key_moved_to_another_account_fails_both(own_keyring: Path) -> None:
    populate(2, 1)
    first, second = Account.objects.order_by("pk")
    Account.objects.filter(pk=second.pk).update(wrapped_data_key=first.wrapped_data_key)
    with pytest.raises(CommandError):
        verify()
    output = json.loads(verify_json_allowing_failure())
    assert not output["ok"]
    assert any(
        f"account {second.uuid}: its data key does not open" in p for p in output["problems"]
    )
    assert any(f"of account {second.uuid}: its account's data key" in p for p in output["problems"])


def verify_json_allowing_failure() -> str:
    out = io.StringIO()
    try:
        call_command("verify", "--json", "--no-record", stdout=out)
    except CommandError:
        pass
    return out.getvalue()


def test_an_edited_audit_event_is_named(own_keyring: Path) -> None:
    populate(1, 1)
    # The first event, whatever its number (on PostgreSQL, seq comes from a sequence).
    first = AuditEvent.objects.order_by("seq").values_list("seq", flat=True)[0]
    AuditEvent.objects.filter(seq=first).update(account_name="someone else")
    report = json.loads(verify_json_allowing_failure())
    assert report["chain_intact"] is False
    assert report["problems"] == [f"audit event #{first}: it was altered (its MAC does not match)"]
    assert not Verification.objects.exists()  # --no-record


def test_a_purged_account_is_no_failure(own_keyring: Path) -> None:
    populate(2, 2)
    Account.objects.filter(pk=Account.objects.order_by("pk")[0].pk).update(wrapped_data_key=b"")
    output = verify()
    assert "1 purged accounts have no data key" in output
    assert "Opened 1 of 1 data keys" in output


def test_a_missing_key_is_not_a_pass(own_keyring: Path) -> None:
    populate(1, 1)
    (own_keyring / "master.key").rename(own_keyring / "elsewhere")
    keyring.cache_clear()
    with pytest.raises(CommandError, match="is missing") as failed:
        verify()
    assert failed.value.returncode == 2
    assert not (own_keyring / "master.key").exists()  # never a new key over existing data


def test_the_command_exits_1_when_a_record_fails(vault: Vault) -> None:
    vault.script("populate", "2", "2")
    assert "Everything opens" in vault.ok("verify")
    pk = vault.query("SELECT MIN(id) FROM backup_codes_backupcode")[0][0]
    vault.execute(
        "UPDATE backup_codes_backupcode SET sealed = %s WHERE id = %s", (b"\x01" * 40, pk)
    )
    result = vault.run("verify")
    assert result.returncode == 1
    assert "FAILED code" in result.stdout
    assert "1 records failed the check." in result.stderr
