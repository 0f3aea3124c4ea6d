"""A Collaborator logs in with the account: the current code, never its password or secrets."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.mfa import services
from sparekey.mfa.otpauth import parse_key
from sparekey.workspace.models import Member

from .conftest import KEY, PASSWORD_OF_ACCOUNT

Login = Callable[..., Client]


@pytest.fixture
def full_account(account_with_password: Account, alice: Member) -> Account:
    services.save_totp(alice, account_with_password, parse_key(KEY))
    services.save_mfa_settings(
        alice,
        account_with_password,
        enabled=True,
        method="authenticator",
        no_backup_codes=True,
        recovery_note="Call support 555-0100",
    )
    return account_with_password


def test_a_collaborator_sees_the_code_and_no_secret_on_any_page(
    full_account: Account, carol: Member, login: Login
) -> None:
    client = login(carol)
    base = f"/accounts/{full_account.uuid}/"
    pages = [
        "/",
        base,
        base + "?tab=users",
        base + "?tab=settings&prompt=codes",
        base + "mfa/code/",
        base + "password/",
        base + "secrets/",
        base + "mfa/",
        base + "mfa/secret-key/",
        base + "mfa/secret-key/qr/",
    ]
    for path in pages:
        content = client.get(path).content.decode()
        for secret in (PASSWORD_OF_ACCOUNT, "Shared inbox: ops", "Call support", KEY, "JBSW"):
            assert secret not in content, (path, secret)
    page = client.get(base).content.decode()
    assert re.search(r'<code id="totp-code"[^>]*>\d{6}</code>', page)
    assert "View Password" not in page
    assert "View QR code" not in page
    assert "Set as MFA" not in page
