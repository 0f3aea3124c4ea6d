from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace.models import Member


def test_remove_account_sits_at_the_end_of_the_emergency_controls(
    account: Account, alice: Member, login: Callable[..., Client]
) -> None:
    page = login(alice).get(f"/accounts/{account.uuid}/").content.decode()
    start = page.index('<div class="emergency-body">')
    body = page[start : page.index("</details>", start)]
    assert "<h3>Remove the account</h3>" in body
    inner = body.rstrip().removesuffix("</div>").rstrip()
    assert inner.endswith("Remove account</a></p>")


def test_an_owner_removes_the_account_with_a_reason(
    account: Account, bob: Member, carol: Member, login: Callable[..., Client]
) -> None:
    response = login(bob).post(f"/accounts/{account.uuid}/remove/", {"reason": "Closed"})
    assert response.status_code == 302
    assert Account.all_objects.get(pk=account.pk).deletion_reason == "Closed"
    assert login(carol).get(f"/accounts/{account.uuid}/").status_code == 404
    assert AuditEvent.objects.get(action=Action.ACCOUNT_REMOVED).detail == {"reason": "Closed"}


def test_a_reason_is_required(account: Account, bob: Member, login: Callable[..., Client]) -> None:
    assert login(bob).post(f"/accounts/{account.uuid}/remove/", {}).status_code == 400
    assert Account.objects.filter(pk=account.pk).exists()
