from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pyotp
import pytest
from django.db import connection
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit.models import Action
from sparekey.mfa import services
from sparekey.mfa.models import CodeShown
from sparekey.workspace.models import Member

from .conftest import KEY, events

Login = Callable[..., Client]


def recent_codes() -> set[str]:
    """The code now and a second ago: the request may have crossed a code's end."""
    return {pyotp.TOTP(KEY).at(time.time() - lag) for lag in (0, 1)}


def url(account: Account) -> str:
    return f"/accounts/{account.uuid}/mfa/code/"


def test_owners_and_collaborators_get_the_code_and_its_seconds_left(
    account_with_totp: Account, alice: Member, carol: Member, login: Login
) -> None:
    for member in (alice, carol):
        response = login(member).get(url(account_with_totp))
        result = response.json()
        assert response.status_code == 200
        assert response["Cache-Control"].count("no-store") == 1
        assert result["code"] in recent_codes()
        assert 1 <= result["seconds_left"] <= 30
        assert result["period"] == 30


def test_it_answers_null_when_no_key_is_saved(
    account: Account, carol: Member, login: Login
) -> None:
    assert login(carol).get(url(account)).json() == {
        "code": None,
        "seconds_left": None,
        "period": None,
    }


def test_codes_shown_in_one_minute_are_one_audit_event(
    account_with_totp: Account, carol: Member, bob: Member, login: Login
) -> None:
    minute = 1_800_000_000 - 1_800_000_000 % 60
    for second in (0, 10, 31, 59):
        services.current_code(carol, account_with_totp, now=minute + second)
    services.current_code(bob, account_with_totp, now=minute + 5)
    services.current_code(carol, account_with_totp, now=minute + 60)
    shown = events(Action.TOTP_SHOWN)
    assert [(e.actor, e.detail["minute"][-15:]) for e in shown] == [
        (carol, "T08:00:00+00:00"),
        (bob, "T08:00:00+00:00"),
        (carol, "T08:01:00+00:00"),
    ]


def test_two_requests_in_one_minute_are_one_event(
    account_with_totp: Account, carol: Member, login: Login
) -> None:
    client = login(carol)
    client.get(url(account_with_totp))
    client.get(f"/accounts/{account_with_totp.uuid}/")
    assert len(events(Action.TOTP_SHOWN)) in {1, 2}  # 2 only if the minute turned in between
    assert all("code" not in e.detail for e in events(Action.TOTP_SHOWN))


def test_old_marks_are_swept(account_with_totp: Account, carol: Member) -> None:
    services.current_code(carol, account_with_totp, now=1_800_000_000)
    services.current_code(carol, account_with_totp, now=1_800_000_000 + 2 * 3600)
    assert CodeShown.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_record_one_event(
    account: Account, alice: Member, carol: Member
) -> None:
    from sparekey.mfa.otpauth import parse_key

    services.save_totp(alice, account, parse_key(KEY))
    now = 1_800_000_030.0
    start = threading.Barrier(6)
    failures: list[BaseException] = []

    def show() -> None:
        try:
            start.wait()
            services.current_code(carol, account, now=now)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=show) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(events(Action.TOTP_SHOWN)) == 1
