from __future__ import annotations

import io

import pytest
import segno

from sparekey.accounts.models import Account
from sparekey.audit.models import Action, AuditEvent
from sparekey.mfa import services
from sparekey.mfa.otpauth import parse_key
from sparekey.workspace.models import Member

KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
URI = f"otpauth://totp/X:brand?secret={KEY}&issuer=X"
PASSWORD_OF_ACCOUNT = "brand-x-Pa55word!"


@pytest.fixture
def account_with_totp(account: Account, alice: Member) -> Account:
    services.save_totp(alice, account, parse_key(URI))
    account.refresh_from_db()
    return account


@pytest.fixture
def account_with_password(account: Account, alice: Member) -> Account:
    services.save_secrets(alice, account, password=PASSWORD_OF_ACCOUNT, notes="Shared inbox: ops")
    return account


def events(action: Action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def qr_png(text: str) -> io.BytesIO:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=6)
    out.seek(0)
    out.name = "qr.png"
    return out
