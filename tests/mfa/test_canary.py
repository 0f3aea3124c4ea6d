"""Whoever steals the database file, a PostgreSQL dump or the logs finds no password, note or
TOTP secret of an account in them."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

import pytest
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.workspace.models import Member
from tests.canary import assert_nowhere, stored_copies

from .conftest import qr_png

CANARY = "CANARY7F3A9"
# A TOTP secret is base32 (A-Z, 2-7): its canary is a key whose letters spell one.
TOTP_CANARY = "CANARYSECRETQQQQCANARYSECRETQQQQ"
TOTP_BYTES = base64.b32decode(TOTP_CANARY)


@pytest.mark.django_db(transaction=True)
def test_no_secret_reaches_the_database_file_or_the_logs(
    account: Account,
    alice: Member,
    bob: Member,
    carol: Member,
    login: Callable[..., Client],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    base = f"/accounts/{account.uuid}/"
    owner = login(alice)
    saved = owner.post(base + "secrets/", {"password": f"pw-{CANARY}", "notes": f"n-{CANARY}"})
    assert saved.status_code == 302
    uri = f"otpauth://totp/X:{CANARY}?secret={TOTP_CANARY}&issuer=X"
    assert owner.post(base + "mfa/secret-key/preview/", {"qr": qr_png(uri)}).status_code == 200
    assert owner.post(base + "mfa/secret-key/", {"secret": uri}).status_code == 302
    refused = owner.post(base + "mfa/secret-key/", {"secret": f"{CANARY} is not base32"})
    assert refused.status_code == 400
    # The form keeps what was typed so it can be corrected (no-store); the reason never holds it.
    assert "no-store" in refused["Cache-Control"]
    assert refused.content.decode().count(CANARY) == 1
    data = {"enabled": "on", "method": "authenticator", "recovery_note": f"r-{CANARY}"}
    assert owner.post(base + "mfa/", data).status_code == 302

    # They really were saved and open, for the people who may see them.
    bob_client = login(bob)
    assert f"pw-{CANARY}" in bob_client.get(base + "password/").content.decode()
    assert "CANA RYSE CRET" in bob_client.get(base + "mfa/secret-key/qr/").content.decode()
    assert login(carol).get(base + "mfa/code/").json()["code"]

    copies = stored_copies("mfa_accountsecret", caplog, capfd)
    needles = [
        CANARY.encode(),
        CANARY.encode("utf-16-le"),
        TOTP_CANARY.encode(),
        TOTP_BYTES,
        TOTP_BYTES.hex().encode(),
        base64.b64encode(TOTP_BYTES),
    ]
    assert_nowhere(needles, copies)
