"""`sparekey reset-two-step EMAIL`: the way back for the workspace Owner, whom nobody outranks."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from sparekey.audit.models import Action, AuditEvent
from sparekey.mfa.totp import code_at
from sparekey.workspace.models import LoginTotp, Member, MemberSession
from tests.conftest import PASSWORD

from .test_two_step_enrol import enrol, log_in_with_code


def reset_two_step(email: str) -> str:
    out = io.StringIO()
    call_command("reset-two-step", email, stdout=out)
    return out.getvalue()


def test_the_operator_resets_the_owners_lost_two_step_login(
    alice: Member, django_capture_on_commit_callbacks: Any
) -> None:
    key, recovery_codes = enrol(alice)
    session = log_in_with_code(alice, code_at(key, time.time()))
    with django_capture_on_commit_callbacks(execute=True):
        output = reset_two_step(alice.email.upper())
    assert "Two-step login of alice@example.com is off; 1 session(s) ended" in output
    assert not LoginTotp.objects.filter(member=alice).exists()
    assert not alice.recovery_codes.exists()
    assert not MemberSession.objects.filter(member=alice).exists()
    assert session.get("/").status_code == 302
    event = AuditEvent.objects.get(action=Action.TOTP_RESET)
    assert event.actor is None and event.detail["member"] == alice.email
    [notice] = mail.outbox
    assert notice.to == [alice.email] and "The server's operator" in notice.body
    assert not any(code in output or code in notice.body for code in recovery_codes)
    again = Client().post("/login/", {"username": alice.email, "password": PASSWORD})
    assert again["Location"] == "/"


def test_it_refuses_an_unknown_member_and_one_without_two_step_login(alice: Member) -> None:
    with pytest.raises(CommandError, match=r"No member has the email nobody@example\.com"):
        reset_two_step("nobody@example.com")
    with pytest.raises(CommandError, match="has no two-step login to reset"):
        reset_two_step(alice.email)
    assert not AuditEvent.objects.filter(action=Action.TOTP_RESET).exists()
