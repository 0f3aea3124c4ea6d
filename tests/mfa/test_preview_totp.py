from __future__ import annotations

import time
from collections.abc import Callable

import pyotp
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit.models import AuditEvent
from sparekey.mfa.models import AccountSecret
from sparekey.workspace.models import Member

from .conftest import KEY, URI, qr_png

Login = Callable[..., Client]


def recent_codes() -> set[str]:
    """The code now and a second ago: the request may have crossed a code's end."""
    return {pyotp.TOTP(KEY).at(time.time() - lag) for lag in (0, 1)}


def url(account: Account) -> str:
    return f"/accounts/{account.uuid}/mfa/secret-key/preview/"


def test_it_answers_the_current_code_and_saves_nothing(
    account: Account, alice: Member, login: Login
) -> None:
    client = login(alice)
    before = AuditEvent.objects.count()
    response = client.post(url(account), {"secret": URI})
    result = response.json()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert result["code"] in recent_codes()
    assert 1 <= result["seconds_left"] <= 30
    assert (result["issuer"], result["account_name"]) == ("X", "brand")
    assert not AccountSecret.objects.exists()
    assert AuditEvent.objects.count() == before


def test_it_reads_an_uploaded_qr_code(account: Account, alice: Member, login: Login) -> None:
    result = login(alice).post(url(account), {"qr": qr_png(URI)}).json()
    assert len(result["code"]) == 6


def test_a_bad_key_gets_its_reason(account: Account, alice: Member, login: Login) -> None:
    response = login(alice).post(url(account), {"secret": f"otpauth://hotp/X?secret={KEY}"})
    assert response.status_code == 400
    assert "HOTP" in response.json()["error"]
    assert KEY not in response.content.decode()


def test_it_is_post_only(account: Account, alice: Member, login: Login) -> None:
    assert login(alice).get(url(account)).status_code == 405
