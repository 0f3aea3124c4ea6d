from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit.models import Action
from sparekey.mfa.models import AccountSecret, SecretKind
from sparekey.workspace.models import Member

from .conftest import PASSWORD_OF_ACCOUNT, events

Login = Callable[..., Client]


def url(account: Account) -> str:
    return f"/accounts/{account.uuid}/secrets/"


def test_an_owner_sets_the_password_and_notes(
    account: Account, alice: Member, login: Login
) -> None:
    response = login(alice).post(url(account), {"password": "s3cret!", "notes": "Ops inbox"})
    assert response.status_code == 302
    kinds = set(AccountSecret.objects.filter(account=account).values_list("kind", flat=True))
    assert kinds == {SecretKind.PASSWORD, SecretKind.NOTES}
    [event] = events(Action.SECRETS_CHANGED)
    assert event.detail == {"changed": ["password", "notes"]}
    assert "s3cret" not in str(event.detail) and "Ops inbox" not in str(event.detail)


def test_the_password_is_sealed_not_stored(account: Account, alice: Member, login: Login) -> None:
    login(alice).post(url(account), {"password": "s3cret!", "notes": ""})
    row = AccountSecret.objects.get(account=account, kind=SecretKind.PASSWORD)
    assert b"s3cret" not in bytes(row.sealed)
    assert row.open(account, account.data_key()) == "s3cret!"


def test_an_empty_password_field_keeps_the_saved_password(
    account_with_password: Account, alice: Member, login: Login
) -> None:
    client = login(alice)
    client.post(url(account_with_password), {"password": "", "notes": "New notes"})
    row = AccountSecret.objects.get(account=account_with_password, kind=SecretKind.PASSWORD)
    assert row.open(account_with_password, account_with_password.data_key()) == PASSWORD_OF_ACCOUNT
    assert events(Action.SECRETS_CHANGED)[-1].detail == {"changed": ["notes"]}


def test_an_owner_removes_the_password(
    account_with_password: Account, alice: Member, login: Login
) -> None:
    data = {"remove_password": "on", "notes": "Shared inbox: ops"}
    login(alice).post(url(account_with_password), data)
    assert not AccountSecret.objects.filter(kind=SecretKind.PASSWORD).exists()
    assert events(Action.SECRETS_CHANGED)[-1].detail == {"changed": ["password removed"]}


def test_the_form_never_shows_the_password_but_shows_the_notes(
    account_with_password: Account, bob: Member, login: Login
) -> None:
    page = login(bob).get(url(account_with_password)).content.decode()
    assert PASSWORD_OF_ACCOUNT not in page
    assert "Shared inbox: ops" in page
    assert "A password is saved" in page


def test_saving_nothing_new_records_nothing(
    account_with_password: Account, alice: Member, login: Login
) -> None:
    before = len(events(Action.SECRETS_CHANGED))
    login(alice).post(url(account_with_password), {"password": "", "notes": "Shared inbox: ops"})
    assert len(events(Action.SECRETS_CHANGED)) == before


def test_a_collaborator_cannot_set_the_password(
    account: Account, carol: Member, login: Login
) -> None:
    response = login(carol).post(url(account), {"password": "mine now", "notes": ""})
    assert response.status_code == 404
    assert not AccountSecret.objects.exists()


def test_it_needs_csrf(account: Account, alice: Member, login: Login) -> None:
    client = login(alice)
    client.handler.enforce_csrf_checks = True
    response = client.post(url(account), {"password": "x", "notes": ""})
    assert response.status_code == 403
    assert not AccountSecret.objects.exists()
