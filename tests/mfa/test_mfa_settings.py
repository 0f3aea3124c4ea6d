from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit.models import Action
from sparekey.mfa.models import AccountSecret, MfaSettings, SecretKind
from sparekey.workspace.models import Member

from .conftest import events

Login = Callable[..., Client]


def url(account: Account) -> str:
    return f"/accounts/{account.uuid}/mfa/"


def test_the_page_works_without_js(account: Account, alice: Member, login: Login) -> None:
    page = login(alice).get(url(account)).content.decode()
    assert "Multi-factor authentication (MFA) settings" in page
    assert "Save MFA settings" in page


def test_turning_mfa_on_asks_for_the_backup_codes_right_away(
    account: Account, alice: Member, login: Login
) -> None:
    response = login(alice).post(url(account), {"enabled": "on", "method": "phone"})
    assert response.status_code == 302
    assert response["Location"].endswith("?tab=settings&prompt=codes#emergency-controls")
    page = login(alice).get(response["Location"]).content.decode()
    assert 'class="emergency prompt-codes"' in page
    assert 'data-opens="add-codes-dialog">Add codes' in page
    account.refresh_from_db()
    assert account.mfa_enabled
    [event] = events(Action.MFA_CHANGED)
    assert event.detail == {"mfa": "on", "method": "phone", "no_backup_codes": False}


def test_the_message_says_to_save_the_codes(account: Account, alice: Member, login: Login) -> None:
    response = login(alice).post(url(account), {"enabled": "on", "method": "email"}, follow=True)
    assert "Save its backup codes now" in response.content.decode()


def test_an_app_without_backup_codes_keeps_a_sealed_recovery_note(
    account: Account, alice: Member, login: Login
) -> None:
    data = {
        "enabled": "on",
        "method": "other",
        "no_backup_codes": "on",
        "recovery_note": "Call AWS support, account id 1234",
    }
    response = login(alice).post(url(account), data, follow=True)
    page = response.content.decode()
    assert "Save its backup codes now" not in page
    assert "prompt-codes" not in page
    row = AccountSecret.objects.get(account=account, kind=SecretKind.RECOVERY_NOTE)
    assert b"AWS support" not in bytes(row.sealed)
    assert MfaSettings.objects.get(account=account).no_backup_codes
    event = events(Action.MFA_CHANGED)[-1]
    assert event.detail["recovery_note"] == "set"
    assert "AWS" not in str(event.detail)


def test_mfa_on_needs_a_method(account: Account, alice: Member, login: Login) -> None:
    response = login(alice).post(url(account), {"enabled": "on", "method": ""})
    assert response.status_code == 400
    assert "Choose how the account" in response.content.decode()


def test_the_authenticator_needs_a_saved_key(account: Account, alice: Member, login: Login) -> None:
    response = login(alice).post(url(account), {"enabled": "on", "method": "authenticator"})
    assert response.status_code == 400
    assert "use Set as MFA" in response.content.decode()


def test_turning_mfa_off(account_with_totp: Account, alice: Member, login: Login) -> None:
    login(alice).post(url(account_with_totp), {"enabled": "off", "method": "authenticator"})
    account_with_totp.refresh_from_db()
    assert not account_with_totp.mfa_enabled
    assert events(Action.MFA_CHANGED)[-1].detail["mfa"] == "off"


def test_a_collaborator_cannot_change_them(account: Account, carol: Member, login: Login) -> None:
    assert login(carol).post(url(account), {"enabled": "on", "method": "phone"}).status_code == 404
    account.refresh_from_db()
    assert not account.mfa_enabled
