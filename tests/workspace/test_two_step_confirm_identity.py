"""Confirm your identity to continue: a member with two-step login may give a code instead."""

from __future__ import annotations

import time
from typing import Any

from sparekey.audit.models import Action, AuditEvent
from sparekey.mfa.totp import code_at
from sparekey.workspace import confirmation
from sparekey.workspace.models import Member
from tests.conftest import PASSWORD

from .test_two_step_enrol import enrol, log_in_with_code, wrong_code


def test_the_page_offers_the_code_only_to_members_with_two_step_login(
    bob: Member, carol: Member, login: Any
) -> None:
    key, _ = enrol(bob)
    with_code = log_in_with_code(bob, code_at(key, time.time())).get("/confirm/")
    assert "a code from your authenticator app" in with_code.content.decode()
    assert 'name="code"' in with_code.content.decode()
    without = login(carol, confirmed=False).get("/confirm/").content.decode()
    assert 'name="code"' not in without


def test_a_code_confirms_the_identity(bob: Member) -> None:
    key, _ = enrol(bob)
    client = log_in_with_code(bob, code_at(key, time.time()))
    assert confirmation.SESSION_KEY not in client.session
    response = client.post("/confirm/", {"code": code_at(key, time.time() + 30), "next": "/"})
    assert response.status_code == 302
    assert confirmation.SESSION_KEY in client.session
    assert AuditEvent.objects.filter(action=Action.IDENTITY_CONFIRMED, actor=bob).count() == 1


def test_the_password_still_confirms(bob: Member) -> None:
    key, _ = enrol(bob)
    client = log_in_with_code(bob, code_at(key, time.time()))
    assert client.post("/confirm/", {"password": PASSWORD}).status_code == 302
    assert confirmation.SESSION_KEY in client.session


def test_the_code_that_logged_in_cannot_confirm_again(bob: Member) -> None:
    key, _ = enrol(bob)
    code = code_at(key, time.time())
    client = log_in_with_code(bob, code)
    response = client.post("/confirm/", {"code": code})
    assert response.status_code == 200
    assert "used already" in response.content.decode()
    assert confirmation.SESSION_KEY not in client.session
    event = AuditEvent.objects.get(action=Action.IDENTITY_FAILED)
    assert code not in str(event.detail)


def test_a_recovery_code_does_not_confirm(bob: Member) -> None:
    key, codes = enrol(bob)
    client = log_in_with_code(bob, code_at(key, time.time()))
    assert client.post("/confirm/", {"code": codes[0]}).status_code == 200
    assert confirmation.SESSION_KEY not in client.session
    assert bob.recovery_codes.filter(used_at__isnull=True).count() == 10


def test_nothing_given_is_refused(bob: Member) -> None:
    key, _ = enrol(bob)
    client = log_in_with_code(bob, code_at(key, time.time()))
    response = client.post("/confirm/", {"password": "", "code": ""})
    assert response.status_code == 200
    assert "Enter your password or a code" in response.content.decode()


def test_wrong_codes_lock_confirmation_like_wrong_passwords(bob: Member, settings: Any) -> None:
    settings.SPAREKEY_CONFIRM_FAILURES = 2
    key, _ = enrol(bob)
    client = log_in_with_code(bob, code_at(key, time.time()))
    assert client.post("/confirm/", {"code": wrong_code(key)}).status_code == 200
    locked = client.post("/confirm/", {"code": wrong_code(key)})
    assert locked.status_code == 429
    assert client.post("/confirm/", {"code": code_at(key, time.time() + 30)}).status_code == 429
    assert confirmation.SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action=Action.LOCKED_OUT, actor=bob).count() == 1
