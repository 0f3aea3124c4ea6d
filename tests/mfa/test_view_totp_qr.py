from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit.models import Action
from sparekey.workspace.models import Member

from .conftest import events

Login = Callable[..., Client]


def url(account: Account) -> str:
    return f"/accounts/{account.uuid}/mfa/secret-key/qr/"


def test_it_requires_confirmation(account_with_totp: Account, bob: Member, login: Login) -> None:
    response = login(bob, confirmed=False).get(url(account_with_totp))
    assert response.status_code == 302
    assert response["Location"].startswith("/confirm/")
    assert events(Action.TOTP_QR_VIEWED) == []


def test_an_owner_sees_the_qr_code_and_the_key_and_it_is_audited(
    account_with_totp: Account, bob: Member, login: Login
) -> None:
    response = login(bob).get(url(account_with_totp))
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert '<img src="data:image/svg+xml' in page
    assert "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP" in page
    assert "Secret Key of Brand X" in page
    [event] = events(Action.TOTP_QR_VIEWED)
    assert event.actor == bob and "JBSW" not in str(event.detail)


def test_a_collaborator_never_sees_it(
    account_with_totp: Account, carol: Member, login: Login
) -> None:
    response = login(carol).get(url(account_with_totp))
    assert response.status_code == 404
    assert "JBSW" not in response.content.decode()
    assert events(Action.TOTP_QR_VIEWED) == []


def test_with_no_key_saved_it_says_so(account: Account, alice: Member, login: Login) -> None:
    page = login(alice).get(url(account), follow=True).content.decode()
    assert "No Secret Key is saved" in page


def test_it_counts_against_the_hourly_limit(
    account_with_totp: Account, bob: Member, login: Login, settings: Any
) -> None:
    settings.SPAREKEY_REVEALS_PER_HOUR = 1
    client = login(bob)
    assert client.get(url(account_with_totp)).status_code == 200
    refused = client.get(url(account_with_totp))
    assert refused.status_code == 429
    assert "JBSW Y3DP" not in refused.content.decode()
    assert len(events(Action.TOTP_QR_VIEWED)) == 1
    assert len(events(Action.RATE_LIMITED)) == 1
