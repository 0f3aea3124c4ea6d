from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace.models import Member


def test_an_owner_edits_the_account_and_it_is_audited(
    account: Account, bob: Member, login: Callable[..., Client]
) -> None:
    data = {"name": "Brand X (old)", "app": "X", "login_url": "", "username": "brand2"}
    assert login(bob).post(f"/accounts/{account.uuid}/edit/", data).status_code == 302
    account.refresh_from_db()
    assert (account.name, account.username, account.login_url) == ("Brand X (old)", "brand2", "")
    event = AuditEvent.objects.get(action=Action.ACCOUNT_EDITED)
    assert event.detail["changed"] == ["name", "login_url", "username"]


def test_a_collaborator_cannot_edit(
    account: Account, carol: Member, login: Callable[..., Client]
) -> None:
    data = {"name": "Mine", "app": "X"}
    assert login(carol).post(f"/accounts/{account.uuid}/edit/", data).status_code == 404
