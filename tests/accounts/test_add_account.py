from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sparekey.accounts.models import Account, AccountRole, Grant
from sparekey.workspace.models import Member


def test_a_user_adds_an_account_and_becomes_its_owner(
    bob: Member, login: Callable[..., Client]
) -> None:
    client = login(bob)
    assert "Add account</a>" in client.get("/").content.decode()
    data = {"name": "Registrar", "app": "Gandi", "login_url": "https://gandi.net", "username": "x"}
    response = client.post("/accounts/add/", data)
    account = Account.objects.get(name="Registrar")
    assert response["Location"] == f"/accounts/{account.uuid}/"
    assert Grant.objects.get(account=account).member == bob
    assert Grant.objects.get(account=account).role == AccountRole.OWNER


def test_a_login_only_member_cannot_add_accounts(
    frank: Member, login: Callable[..., Client]
) -> None:
    client = login(frank)
    assert "Add account" not in client.get("/").content.decode()
    assert client.post("/accounts/add/", {"name": "A", "app": "B"}).status_code == 404
    assert not Account.objects.exists()


def test_it_says_what_is_missing(bob: Member, login: Callable[..., Client]) -> None:
    assert login(bob).post("/accounts/add/", {"name": ""}).status_code == 400
