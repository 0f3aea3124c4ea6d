"""The Owner requires two-step login for everyone; an Admin resets a member's lost one."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core import mail
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.api.tokens import issue
from sparekey.audit.models import Action, AuditEvent
from sparekey.mfa.totp import TotpKey, code_at
from sparekey.workspace import two_step
from sparekey.workspace.models import LoginTotp, Member, MemberSession, WorkspacePolicy
from tests.conftest import PASSWORD

from .test_two_step_enrol import enrol, log_in_with_code, secret_on_page

LoginFixture = Callable[..., Client]


def require(owner: Member) -> None:
    """The Owner turns on their own two-step login, then requires it of everyone."""
    if not two_step.is_on(owner):
        enrol(owner)
    two_step.set_required(owner, True)


def test_only_the_workspace_owner_reaches_the_rule(
    alice: Member, dave: Member, bob: Member, login: LoginFixture
) -> None:
    for member in (dave, bob):
        assert login(member).get("/two-step/workspace/").status_code == 404
        assert (
            login(member).post("/two-step/workspace/", {"totp_required": "on"}).status_code == 404
        )
    assert not two_step.is_required()
    assert login(alice).get("/two-step/workspace/").status_code == 200


def test_the_rule_needs_a_recent_confirmation(alice: Member, login: LoginFixture) -> None:
    response = login(alice, confirmed=False).post("/two-step/workspace/", {"totp_required": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith("/confirm/")
    assert not two_step.is_required()


def test_the_owner_turns_on_their_own_before_requiring_it(
    alice: Member, login: LoginFixture
) -> None:
    response = login(alice).post("/two-step/workspace/", {"totp_required": "on"})
    assert response.status_code == 400
    assert "Turn on your own two-step login first" in response.content.decode()
    assert not two_step.is_required()
    assert not AuditEvent.objects.filter(action=Action.TOTP_REQUIRED).exists()


def test_requiring_it_is_stored_and_audited(alice: Member, login: LoginFixture) -> None:
    key, _ = enrol(alice)
    client = log_in_with_code(alice, code_at(key, time.time()))
    client.post("/confirm/", {"password": PASSWORD})
    page = client.get("/two-step/workspace/").content.decode()
    assert "API tokens keep working" in page
    response = client.post("/two-step/workspace/", {"totp_required": "on"})
    assert response.status_code == 302
    policy = WorkspacePolicy.objects.get(pk=1)
    assert policy.totp_required and policy.updated_by == alice
    event = AuditEvent.objects.get(action=Action.TOTP_REQUIRED)
    assert event.actor == alice and event.detail == {"required": True}
    client.post("/two-step/workspace/", {})
    assert not two_step.is_required()
    assert AuditEvent.objects.filter(action=Action.TOTP_REQUIRED).count() == 2


def test_when_required_a_member_without_it_can_only_set_it_up(
    alice: Member, bob: Member, account: Account
) -> None:
    require(alice)
    client = Client()
    response = client.post("/login/", {"username": bob.email, "password": PASSWORD})
    assert response.status_code == 302
    blocked = ["/", "/tokens/", "/activity/", f"/accounts/{account.uuid}/", "/members/"]
    for path in blocked:
        refused = client.get(path)
        assert refused.status_code == 302, path
        assert refused["Location"] == "/two-step/", path
    assert "requires two-step login" in client.get("/two-step/").content.decode()

    client.post("/two-step/start/")
    # The key is shown only after the member confirms who they are.
    assert client.get("/two-step/setup/")["Location"].startswith("/confirm/")
    assert client.post("/confirm/", {"password": PASSWORD}).status_code == 302
    secret = secret_on_page(client.get("/two-step/setup/").content)
    done = client.post("/two-step/setup/", {"code": code_at(TotpKey(secret), time.time())})
    assert done.status_code == 200
    assert client.get("/").status_code == 200
    # Logging out is always possible.
    assert client.post("/logout/").status_code == 302


def test_when_required_it_cannot_be_turned_off(alice: Member, bob: Member) -> None:
    key, _ = enrol(bob)
    require(alice)
    client = log_in_with_code(bob, code_at(key, time.time()))
    client.post("/confirm/", {"code": code_at(key, time.time() + 30)})
    response = client.post("/two-step/off/", follow=True)
    assert "cannot be turned off" in response.content.decode()
    assert two_step.is_on(bob)
    assert not AuditEvent.objects.filter(action=Action.TOTP_DISABLED).exists()


def test_when_required_api_tokens_keep_working(alice: Member, bob: Member) -> None:
    _, token = issue(bob, name="script", scopes=["read"])
    require(alice)
    response = Client().get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_a_member_with_it_is_not_held_up_by_the_rule(alice: Member, bob: Member) -> None:
    key, _ = enrol(bob)
    require(alice)
    client = log_in_with_code(bob, code_at(key, time.time()))
    assert client.get("/").status_code == 200


def test_turning_it_off_needs_confirmation_and_is_audited(bob: Member) -> None:
    key, _ = enrol(bob)
    client = log_in_with_code(bob, code_at(key, time.time()))
    asked = client.get("/two-step/off/")
    assert asked["Location"].startswith("/confirm/")
    assert client.post("/confirm/", {"password": PASSWORD}).status_code == 302
    assert "Turn off two-step login?" in client.get("/two-step/off/").content.decode()
    assert client.post("/two-step/off/").status_code == 302
    assert not two_step.is_on(bob)
    assert not bob.recovery_codes.exists()
    assert AuditEvent.objects.filter(action=Action.TOTP_DISABLED, actor=bob).count() == 1
    fresh = Client()
    response = fresh.post("/login/", {"username": bob.email, "password": PASSWORD})
    assert response["Location"] == "/"


def test_new_recovery_codes_need_confirmation_and_retire_the_old(bob: Member) -> None:
    key, old = enrol(bob)
    client = log_in_with_code(bob, code_at(key, time.time()))
    assert client.post("/two-step/recovery-codes/")["Location"].startswith("/confirm/")
    client.post("/confirm/", {"password": PASSWORD})
    page = client.post("/two-step/recovery-codes/")
    assert page.status_code == 200
    assert "Your old recovery codes no longer work" in page.content.decode()
    assert AuditEvent.objects.filter(action=Action.TOTP_RECOVERY_CODES_MADE).count() == 1
    assert not two_step.use_recovery_code(bob, old[0])
    assert two_step.recovery_codes_left(bob) == 10


def test_an_admin_resets_a_lost_two_step_login_and_ends_the_sessions(
    dave: Member, bob: Member, login: LoginFixture, django_capture_on_commit_callbacks: Any
) -> None:
    key, _ = enrol(bob)
    bobs_phone = log_in_with_code(bob, code_at(key, time.time()))
    bobs_laptop = log_in_with_code(bob, code_at(key, time.time() + 30))
    assert MemberSession.objects.filter(member=bob).count() == 2

    admin = login(dave)
    members_page = admin.get("/members/").content.decode()
    assert f"/members/{bob.uuid}/two-step/reset/" in members_page
    assert (
        "Reset two-step login" in admin.get(f"/members/{bob.uuid}/two-step/reset/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/members/{bob.uuid}/two-step/reset/")
    assert response.status_code == 302

    assert not LoginTotp.objects.filter(member=bob).exists()
    assert not bob.recovery_codes.exists()
    for client in (bobs_phone, bobs_laptop):
        assert client.get("/").status_code == 302
    event = AuditEvent.objects.get(action=Action.TOTP_RESET)
    assert event.actor == dave
    assert event.detail == {"member": bob.email, "sessions_ended": 2}
    [notice] = mail.outbox
    assert notice.to == [bob.email]
    assert "two-step login was reset" in notice.subject
    assert dave.display_name in notice.body
    # Bob logs in with his password again, and can set it up anew.
    again = Client().post("/login/", {"username": bob.email, "password": PASSWORD})
    assert again["Location"] == "/"


def test_a_reset_needs_confirmation(dave: Member, bob: Member, login: LoginFixture) -> None:
    enrol(bob)
    response = login(dave, confirmed=False).post(f"/members/{bob.uuid}/two-step/reset/")
    assert response["Location"].startswith("/confirm/")
    assert two_step.is_on(bob)


def test_only_admins_reset_and_only_below_their_own_role(
    alice: Member, bob: Member, carol: Member, dave: Member, login: LoginFixture
) -> None:
    keys = {member.pk: enrol(member)[0] for member in (alice, bob, dave)}
    # A User resets nobody; a Super Admin not the Owner, nor themself.
    assert login(carol).post(f"/members/{bob.uuid}/two-step/reset/").status_code == 404
    dave_client = log_in_with_code(dave, code_at(keys[dave.pk], time.time()))
    dave_client.post("/confirm/", {"password": PASSWORD})
    assert dave_client.post(f"/members/{alice.uuid}/two-step/reset/").status_code == 404
    assert dave_client.post(f"/members/{dave.uuid}/two-step/reset/").status_code == 404
    assert all(two_step.is_on(m) for m in (alice, bob, dave))
    assert not AuditEvent.objects.filter(action=Action.TOTP_RESET).exists()
    assert not mail.outbox
