from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit.models import Action
from sparekey.workspace.models import Member
from tests.conftest import without_csrf

from .conftest import PASSWORD_OF_ACCOUNT, events

Login = Callable[..., Client]


def url(account: Account) -> str:
    return f"/accounts/{account.uuid}/password/"


def test_it_requires_confirmation(
    account_with_password: Account, bob: Member, login: Login
) -> None:
    response = login(bob, confirmed=False).get(url(account_with_password))
    assert response.status_code == 302
    assert response["Location"].startswith("/confirm/?next=")
    assert events(Action.PASSWORD_VIEWED) == []


def test_an_owner_sees_the_password_after_confirming_and_it_is_audited(
    account_with_password: Account, bob: Member, login: Login
) -> None:
    response = login(bob).get(url(account_with_password))
    page = response.content.decode()
    assert response.status_code == 200
    assert PASSWORD_OF_ACCOUNT in page
    assert 'data-copy="account-password"' in page
    assert "no-store" in response["Cache-Control"]
    [event] = events(Action.PASSWORD_VIEWED)
    assert event.actor == bob
    assert PASSWORD_OF_ACCOUNT not in str(event.detail)


def test_a_collaborator_gets_the_same_404_as_for_a_missing_account(
    account_with_password: Account, carol: Member, login: Login
) -> None:
    client = login(carol)
    response = client.get(url(account_with_password))
    missing = client.get("/accounts/00000000-0000-4000-8000-000000000000/password/")
    assert response.status_code == missing.status_code == 404
    assert without_csrf(response.content) == without_csrf(missing.content)
    assert events(Action.PASSWORD_VIEWED) == []


def test_with_no_password_saved_it_says_so(account: Account, alice: Member, login: Login) -> None:
    response = login(alice).get(url(account), follow=True)
    assert "No password is saved" in response.content.decode()
    assert events(Action.PASSWORD_VIEWED) == []


def test_the_account_page_only_offers_the_button(
    account_with_password: Account, alice: Member, login: Login
) -> None:
    page = login(alice).get(f"/accounts/{account_with_password.uuid}/").content.decode()
    assert "View Password" in page
    assert PASSWORD_OF_ACCOUNT not in page
    assert "Shared inbox: ops" in page  # More details, shown to Owners


def test_views_of_the_password_and_the_secret_key_count_against_the_hourly_limit(
    account_with_password: Account, bob: Member, login: Login, settings: Any
) -> None:
    """Opening secrets is limited like opening codes: a stolen session cannot scrape them."""
    settings.SPAREKEY_REVEALS_PER_HOUR = 2
    client = login(bob)
    assert client.get(url(account_with_password)).status_code == 200
    assert client.get(url(account_with_password)).status_code == 200
    refused = client.get(url(account_with_password))
    assert refused.status_code == 429
    assert PASSWORD_OF_ACCOUNT not in refused.content.decode()
    assert "too often" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert len(events(Action.PASSWORD_VIEWED)) == 2
    [limited] = events(Action.RATE_LIMITED)
    assert limited.actor == bob
