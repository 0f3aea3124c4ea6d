from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sparekey.accounts import lifecycle
from sparekey.accounts.models import Account
from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace.models import Member


def test_any_owner_sees_and_restores_a_removed_account(
    account: Account, alice: Member, bob: Member, login: Callable[..., Client]
) -> None:
    lifecycle.remove_account(alice, account, "By mistake")
    client = login(bob)
    page = client.get("/accounts/deleted/").content.decode()
    assert "Brand X" in page and "By mistake" in page
    assert client.post(f"/accounts/deleted/{account.uuid}/restore/").status_code == 302
    assert Account.objects.filter(pk=account.pk).exists()
    assert AuditEvent.objects.filter(action=Action.ACCOUNT_RESTORED).count() == 1


def test_a_collaborator_or_outsider_cannot_restore(
    account: Account, alice: Member, carol: Member, dave: Member, login: Callable[..., Client]
) -> None:
    lifecycle.remove_account(alice, account, "Closed")
    for member in (carol, dave):
        client = login(member)
        assert "Brand X" not in client.get("/accounts/deleted/").content.decode()
        assert client.post(f"/accounts/deleted/{account.uuid}/restore/").status_code == 404
    assert not Account.objects.filter(pk=account.pk).exists()
