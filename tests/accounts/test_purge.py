"""`sparekey purge`: after the retention period a removed account's data key is destroyed."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from sparekey.accounts import lifecycle
from sparekey.accounts.models import Account, AccountPurged
from sparekey.backup_codes.models import BackupCode
from sparekey.workspace.models import Member


def test_a_purged_accounts_codes_cannot_be_opened(
    account_with_codes: Account,
    alice: Member,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.SPAREKEY_PURGE_DAYS = 30
    code = BackupCode.objects.filter(code_set__account=account_with_codes).first()
    assert code is not None
    old_key = bytes(account_with_codes.wrapped_data_key)
    lifecycle.remove_account(alice, account_with_codes, "Closed")
    Account.all_objects.filter(pk=account_with_codes.pk).update(
        deleted_at=timezone.now() - timedelta(days=31)
    )
    out = StringIO()
    call_command("purge", stdout=out)
    assert "Purged Brand X" in out.getvalue()
    purged = Account.all_objects.get(pk=account_with_codes.pk)
    assert bytes(purged.wrapped_data_key) == b""
    with pytest.raises(AccountPurged):
        code.open(purged, purged.data_key())
    # Nothing left in the database holds the key: no other row carries the wrapped data key.
    assert old_key
    assert not Account.all_objects.filter(wrapped_data_key=old_key).exists()
    with pytest.raises(lifecycle.NotPermitted):
        lifecycle.restore_account(alice, purged)


def test_an_account_inside_the_retention_period_is_kept(
    account_with_codes: Account, alice: Member
) -> None:
    lifecycle.remove_account(alice, account_with_codes, "Closed")
    call_command("purge", stdout=StringIO())
    kept = Account.all_objects.get(pk=account_with_codes.pk)
    assert kept.purged_at is None
    assert kept.data_key() is not None
