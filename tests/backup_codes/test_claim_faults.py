"""A claim that fails half-way changes nothing and shows no code."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit import chain
from sparekey.audit.models import Action, AuditEvent
from sparekey.backup_codes.models import BackupCode
from sparekey.backup_codes.services import claim_next_code
from sparekey.workspace.models import Member
from tests.conftest import GITHUB_CODES


class InjectedFault(Exception):
    pass


@pytest.fixture
def audit_fails_on_claim(monkeypatch: pytest.MonkeyPatch) -> None:
    real_record = chain.record

    def record(action: Action, **kwargs: Any) -> AuditEvent:
        if action == Action.CODE_USED:
            raise InjectedFault("the audit write failed")
        return real_record(action, **kwargs)

    monkeypatch.setattr(chain, "record", record)


def test_a_failed_audit_write_undoes_the_claim(
    account_with_codes: Account, alice: Member, audit_fails_on_claim: None
) -> None:
    with pytest.raises(InjectedFault):
        claim_next_code(alice, account_with_codes)
    assert not BackupCode.objects.filter(used_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action=Action.CODE_USED).exists()


def test_a_failed_claim_shows_no_code_in_the_page(
    account_with_codes: Account,
    alice: Member,
    login,
    audit_fails_on_claim: None,  # type: ignore[no-untyped-def]
) -> None:
    client: Client = login(alice)
    client.raise_request_exception = False
    response = client.post(f"/accounts/{account_with_codes.uuid}/backup-codes/next/")
    assert response.status_code == 500
    page = response.content.decode()
    assert all(code not in page for code in GITHUB_CODES.split())
    assert "Something went wrong" in page
    assert not BackupCode.objects.filter(used_at__isnull=False).exists()


def test_a_tampered_code_fails_the_claim_and_leaves_it_unused(
    account_with_codes: Account, alice: Member
) -> None:
    from sparekey.crypto import TamperedBlob

    first = BackupCode.objects.get(position=1)
    second = BackupCode.objects.get(position=2)
    BackupCode.objects.filter(pk=first.pk).update(sealed=bytes(second.sealed))
    with pytest.raises(TamperedBlob):
        claim_next_code(alice, account_with_codes)
    assert not BackupCode.objects.filter(used_at__isnull=False).exists()
