"""The login's second step: nothing opens before it, codes are spent once, guesses are limited."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from sparekey.accounts.models import Account
from sparekey.audit.models import Action, AuditEvent
from sparekey.mfa.totp import code_at
from sparekey.workspace import two_step, two_step_login
from sparekey.workspace.models import LoginRecoveryCode, LoginTotp, Member
from tests.conftest import PASSWORD

from .test_two_step_enrol import enrol, log_in_with_code, password_step, wrong_code


def test_a_member_without_two_step_login_logs_in_with_the_password_alone(bob: Member) -> None:
    client = Client()
    response = client.post("/login/", {"username": bob.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(bob.pk)


def test_the_password_alone_does_not_log_in(bob: Member) -> None:
    enrol(bob)
    client = Client()
    password_step(client, bob)
    page = client.get("/login/").content.decode()
    assert "Enter your code" in page
    assert 'name="password"' not in page
    assert not AuditEvent.objects.filter(action=Action.LOGIN).exists()


@pytest.mark.parametrize(
    "path", ["/", "/account/", "/tokens/", "/two-step/", "/activity/", "/members/", "/confirm/"]
)
def test_the_half_logged_in_session_opens_nothing(path: str, bob: Member, account: Account) -> None:
    enrol(bob)
    client = Client()
    password_step(client, bob)
    path = path.replace("/account/", f"/accounts/{account.uuid}/")
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert client.post("/confirm/", {"password": PASSWORD})["Location"].startswith("/login/")


def test_the_right_code_logs_in_and_goes_where_the_member_was_going(bob: Member) -> None:
    key, _ = enrol(bob)
    client = Client()
    response = client.post(
        "/login/?next=/tokens/", {"username": bob.email, "password": PASSWORD, "next": "/tokens/"}
    )
    assert response["Location"] == "/login/"
    before = client.session.session_key
    response = client.post("/login/", {"code": code_at(key, time.time())})
    assert response.status_code == 302
    assert response["Location"] == "/tokens/"
    assert client.session.session_key != before
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor=bob).count() == 1


def test_a_code_with_spaces_is_accepted(bob: Member) -> None:
    key, _ = enrol(bob)
    code = code_at(key, time.time())
    log_in_with_code(bob, f" {code[:3]} {code[3:]} ")


def test_a_replayed_code_is_refused(bob: Member) -> None:
    key, _ = enrol(bob)
    code = code_at(key, time.time())
    log_in_with_code(bob, code)
    thief = Client()
    password_step(thief, bob)
    response = thief.post("/login/", {"code": code})
    assert response.status_code == 200
    assert "not right, or was used already" in response.content.decode()
    assert "_auth_user_id" not in thief.session
    # An older step than the one spent is refused too; the next one still works.
    assert thief.post("/login/", {"code": code_at(key, time.time() - 30)}).status_code == 200
    assert thief.post("/login/", {"code": code_at(key, time.time() + 30)}).status_code == 302


def test_a_code_two_steps_old_is_refused(bob: Member) -> None:
    key, _ = enrol(bob)
    LoginTotp.objects.filter(member=bob).update(last_step=0)
    client = Client()
    password_step(client, bob)
    assert client.post("/login/", {"code": code_at(key, time.time() - 90)}).status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_works_once_and_only_once(bob: Member) -> None:
    _, codes = enrol(bob)
    log_in_with_code(bob, codes[3].upper())  # typed in capitals: the same code
    event = AuditEvent.objects.get(action=Action.TOTP_RECOVERY_CODE_USED)
    assert event.detail == {"recovery_codes_left": 9}
    again = Client()
    password_step(again, bob)
    assert again.post("/login/", {"code": codes[3]}).status_code == 200
    assert "_auth_user_id" not in again.session
    assert again.post("/login/", {"code": codes[4]}).status_code == 302


def test_a_recovery_code_of_another_member_does_not_work(bob: Member, carol: Member) -> None:
    _, bobs = enrol(bob)
    enrol(carol)
    client = Client()
    password_step(client, carol)
    assert client.post("/login/", {"code": bobs[0]}).status_code == 200
    assert "_auth_user_id" not in client.session


RACERS = 8


def race(attempt: Callable[[], bool]) -> list[object]:
    """Run ``attempt()`` in RACERS threads at once, each with its own database connection."""
    barrier = threading.Barrier(RACERS)
    results: list[object] = [None] * RACERS

    def racer(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = attempt()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_logins_racing_for_one_recovery_code_exactly_one_wins(bob: Member) -> None:
    _, codes = enrol(bob)
    for code in codes[:5]:
        results = race(lambda code=code: two_step.use_recovery_code(bob, code))
        assert all(isinstance(r, bool) for r in results), results
        assert results.count(True) == 1, results
    assert two_step.recovery_codes_left(bob) == 5


def unguarded_use(member: Member, code: str) -> bool:
    """The bug the real use avoids: read that the code is unused, then mark it, unguarded."""
    row = LoginRecoveryCode.objects.filter(
        member=member, code_hash=two_step._recovery_hash(member, code), used_at__isnull=True
    ).first()
    if row is None:
        return False
    time.sleep(0.01)  # widen the window between the read and the write
    LoginRecoveryCode.objects.filter(pk=row.pk).update(used_at=timezone.now())
    return True


@pytest.mark.django_db(transaction=True)
def test_the_race_test_catches_an_unguarded_use(bob: Member) -> None:
    """A negative control: the racing test above must be able to fail."""
    _, codes = enrol(bob)
    winners = [race(lambda code=code: unguarded_use(bob, code)).count(True) for code in codes[:5]]
    assert max(winners) > 1, winners


@pytest.mark.django_db(transaction=True)
def test_two_logins_racing_with_one_code_exactly_one_wins(bob: Member) -> None:
    key, _ = enrol(bob)
    code = code_at(key, time.time() + 30)
    results = race(lambda: two_step.accept_code(LoginTotp.objects.get(member=bob), code))
    assert all(isinstance(r, bool) for r in results), results
    assert results.count(True) == 1, results


def test_wrong_codes_are_audited_without_the_code(bob: Member) -> None:
    key, _ = enrol(bob)
    client = Client()
    password_step(client, bob)
    typed = wrong_code(key)
    response = client.post("/login/", {"code": typed})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.detail == {"member": bob.email, "step": "code"}
    assert typed not in str(event.detail)


def test_wrong_codes_lock_out_like_wrong_passwords(bob: Member, settings: Any) -> None:
    settings.SPAREKEY_LOGIN_FAILURES_PER_EMAIL = 3
    key, _ = enrol(bob)
    client = Client()
    password_step(client, bob)
    for _ in range(2):
        assert client.post("/login/", {"code": wrong_code(key)}).status_code == 200
    locked = client.post("/login/", {"code": wrong_code(key)})
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert "Too many failed attempts" in locked.content.decode()
    assert AuditEvent.objects.filter(action=Action.LOCKED_OUT).count() == 1

    # The half-way state is gone, and the password cannot start a new one while locked.
    assert "Enter your code" not in client.get("/login/").content.decode()
    again = client.post("/login/", {"username": bob.email, "password": PASSWORD})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.post("/login/", {"code": code_at(key, time.time())}).status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_right_password_does_not_wipe_the_count_of_wrong_codes(
    bob: Member, settings: Any
) -> None:
    settings.SPAREKEY_LOGIN_FAILURES_PER_EMAIL = 3
    key, _ = enrol(bob)
    client = Client()
    for _ in range(2):
        password_step(client, bob)
        assert client.post("/login/", {"code": wrong_code(key)}).status_code == 200
    password_step(client, bob)
    assert client.post("/login/", {"code": wrong_code(key)}).status_code == 429


def test_the_second_step_expires(bob: Member) -> None:
    key, _ = enrol(bob)
    client = Client()
    password_step(client, bob)
    session = client.session
    state = session[two_step_login.SESSION_KEY]
    state["at"] = time.time() - two_step_login.PENDING_SECONDS - 1
    session[two_step_login.SESSION_KEY] = state
    session.save()
    page = client.get("/login/").content.decode()
    assert 'name="password"' in page
    assert client.post("/login/", {"code": code_at(key, time.time())}).status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_member_deactivated_between_the_steps_is_not_logged_in(bob: Member) -> None:
    key, _ = enrol(bob)
    client = Client()
    password_step(client, bob)
    Member.objects.filter(pk=bob.pk).update(is_active=False)
    response = client.post("/login/", {"code": code_at(key, time.time())})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_a_deactivated_member_with_two_step_login_gets_no_second_step(bob: Member) -> None:
    enrol(bob)
    Member.objects.filter(pk=bob.pk).update(is_active=False)
    client = Client()
    response = client.post("/login/", {"username": bob.email, "password": PASSWORD})
    assert response.status_code == 200
    assert two_step_login.SESSION_KEY not in client.session


def test_a_login_only_member_has_the_same_second_step(frank: Member) -> None:
    key, _ = enrol(frank)
    client = Client()
    password_step(client, frank)
    assert client.get("/").status_code == 302
    assert client.post("/login/", {"code": code_at(key, time.time())}).status_code == 302
    assert client.get("/").status_code == 200


def test_starting_over_forgets_the_half_way_member(bob: Member, carol: Member) -> None:
    enrol(bob)
    client = Client()
    password_step(client, bob)
    page = client.get("/login/?start-over=1").content.decode()
    assert 'name="password"' in page
    assert two_step_login.SESSION_KEY not in client.session
    response = client.post("/login/", {"username": carol.email, "password": PASSWORD})
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(carol.pk)
