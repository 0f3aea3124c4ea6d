"""Limiters: failed logins per e-mail and per address, failed confirmations, reveals per hour.

Time is moved by ageing the stored attempts, never by sleeping (except one second on Redis,
whose keys expire on Redis's own clock). Bursts run on real threads with their own database
connections; a read-then-write counter runs through the same burst as a negative control.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import connections
from django.db.models import F
from django.test import Client, override_settings

from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace import throttle
from sparekey.workspace.models import Attempt, Member
from tests.conftest import PASSWORD

T = TypeVar("T")
WINDOW = 900
WRONG = "wrong guess 123"
LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def redis_or_skip(url: str) -> None:
    """Flush the Redis database at ``url``; skip if no Redis answers (fail on CI)."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5).flushdb()
    except (redis.exceptions.RedisError, OSError) as error:
        reason = f"Redis at {url} is unreachable ({error})"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def database_store() -> Iterator[None]:
    """Counts in the database, even when the developer's shell names a Redis."""
    with override_settings(CACHES=LOCAL_MEMORY):
        yield


@pytest.fixture
def on_redis() -> Iterator[None]:
    redis_or_skip(REDIS_TEST_URL)
    cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_TEST_URL}
    with override_settings(CACHES={"default": cache}):
        assert isinstance(throttle.default_store(), throttle.CacheStore)
        yield
    redis_or_skip(REDIS_TEST_URL)


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        request.getfixturevalue("on_redis")
    return str(request.param)


def age_attempts(seconds: int) -> None:
    Attempt.objects.update(at=F("at") - timedelta(seconds=seconds))


def log_in(email: str, password: str = WRONG, address: str = "127.0.0.1") -> Any:
    return Client().post("/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def lock_out(email: str) -> None:
    for _ in range(5):
        log_in(email)
    assert log_in(email).status_code == 429


def in_parallel(count: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(0..count-1)`` on as many threads at once, each with its own connection."""
    barrier = threading.Barrier(count)

    def run(index: int) -> T:
        try:
            barrier.wait(timeout=30)
            return work(index)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return [f.result(timeout=120) for f in [pool.submit(run, i) for i in range(count)]]


# The limiter


def test_a_limiter_counts_hits_per_key_and_scope(db: None) -> None:
    limiter = throttle.Limiter("test", 3, WINDOW)
    assert [limiter.hit("a"), limiter.hit("a"), limiter.hit("b")] == [1, 2, 1]
    assert limiter.count("a") == 2
    assert throttle.Limiter("other", 3, WINDOW).count("a") == 0


def test_hits_older_than_the_window_no_longer_count(db: None) -> None:
    limiter = throttle.Limiter("test", 3, WINDOW)
    limiter.hit("a")
    limiter.hit("a")
    age_attempts(WINDOW - 10)
    limiter.hit("a")
    assert limiter.count("a") == 3
    age_attempts(20)
    assert limiter.count("a") == 1
    assert limiter.hit("a") == 2


def test_check_refuses_at_the_limit_and_says_when_it_lifts(db: None) -> None:
    limiter = throttle.Limiter("test", 3, WINDOW)
    limiter.hit("a")
    limiter.hit("a")
    limiter.check("a")
    limiter.hit("a")
    with pytest.raises(throttle.RateLimited) as refused:
        limiter.check("a")
    assert WINDOW - 5 <= refused.value.retry_after <= WINDOW
    assert str(refused.value) == "Too many failed attempts. Try again in 15 minutes."
    age_attempts(WINDOW - 50)
    with pytest.raises(throttle.RateLimited, match=r"Try again in 1 minute\.$"):
        limiter.check("a")
    age_attempts(50)
    limiter.check("a")


def test_a_sliding_window_lifts_when_enough_old_hits_leave_it(db: None) -> None:
    limiter = throttle.Limiter("test", 2, WINDOW)
    limiter.hit("a")
    age_attempts(600)
    limiter.hit("a")
    limiter.hit("a")
    with pytest.raises(throttle.RateLimited) as refused:
        limiter.check("a")
    assert WINDOW - 5 <= refused.value.retry_after <= WINDOW  # the two newest must leave
    age_attempts(WINDOW)
    limiter.check("a")


def test_reset_forgets_one_key(db: None) -> None:
    limiter = throttle.Limiter("test", 3, WINDOW)
    limiter.hit("a")
    limiter.hit("b")
    limiter.reset("a")
    assert (limiter.count("a"), limiter.count("b")) == (0, 1)


def test_expired_attempts_are_deleted_as_new_hits_arrive(db: None) -> None:
    limiter = throttle.Limiter("test", 3, WINDOW)
    for key in "abc":
        limiter.hit(key)
    age_attempts(WINDOW + 1)
    limiter.hit("d")
    assert Attempt.objects.count() == 1


def test_the_same_limiter_semantics_hold_on_redis(on_redis: None, db: None) -> None:
    limiter = throttle.Limiter("test", 3, WINDOW)
    assert [limiter.hit("a"), limiter.hit("a"), limiter.hit("b")] == [1, 2, 1]
    limiter.check("a")
    limiter.hit("a")
    with pytest.raises(throttle.RateLimited, match="Try again in 15 minutes"):
        limiter.check("a")
    limiter.reset("a")
    assert (limiter.count("a"), limiter.count("b")) == (0, 1)
    assert not Attempt.objects.exists()


def test_on_redis_the_window_expires_with_the_key(on_redis: None, db: None) -> None:
    limiter = throttle.Limiter("test", 1, 1)
    limiter.hit("a")
    with pytest.raises(throttle.RateLimited, match="Try again in 1 minute"):
        limiter.check("a")
    time.sleep(1.2)
    limiter.check("a")
    assert limiter.hit("a") == 1


def test_a_limiter_refuses_a_limit_or_window_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        throttle.Limiter("test", 0, WINDOW)
    with pytest.raises(ValueError, match="at least 1"):
        throttle.Limiter("test", 5, 0)


def test_rate_limited_names_the_wait_in_whole_minutes() -> None:
    assert str(throttle.RateLimited("Slow down.", 0.2)) == "Slow down. Try again in 1 minute."
    assert str(throttle.RateLimited("Slow down.", 61)) == "Slow down. Try again in 2 minutes."
    assert throttle.RateLimited("Slow down.", 60.5).retry_after == 61


# Logging in


def test_an_email_is_locked_after_exactly_five_failures(alice: Member) -> None:
    for _ in range(4):
        response = log_in(alice.email)
        assert response.status_code == 200
        assert "do not match" in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.LOCKED_OUT).exists()
    response = log_in(alice.email)
    assert response.status_code == 429
    assert "Too many failed attempts. Try again in 15 minutes." in response.content.decode()
    assert 890 <= int(response["Retry-After"]) <= 900
    event = AuditEvent.objects.get(action=Action.LOCKED_OUT)
    assert event.detail == {"scope": "email", "member": alice.email}


def test_a_locked_email_refuses_the_right_password_without_checking_it(alice: Member) -> None:
    lock_out(alice.email)
    failures = AuditEvent.objects.filter(action=Action.LOGIN_FAILED).count()
    with mock.patch.object(Member, "check_password", autospec=True, return_value=True) as check:
        for address in ("127.0.0.1", "192.0.2.44"):
            response = log_in(alice.email, PASSWORD, address)
            assert response.status_code == 429
            assert "Too many failed attempts" in response.content.decode()
    assert check.call_count == 0
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED).count() == failures
    assert AuditEvent.objects.filter(action=Action.LOCKED_OUT).count() == 1


def test_the_lock_lifts_once_the_window_has_passed(alice: Member) -> None:
    lock_out(alice.email)
    age_attempts(WINDOW - 30)
    assert log_in(alice.email, PASSWORD).status_code == 429
    age_attempts(30)
    assert log_in(alice.email, PASSWORD).status_code == 302


def test_the_lock_follows_the_email_whatever_its_case(alice: Member) -> None:
    for typed in (
        "ALICE@example.com",
        "Alice@Example.COM",
        " alice@example.com ",
        "aLiCe@example.com",
    ):
        log_in(typed)
    assert log_in(alice.email).status_code == 429
    assert log_in(alice.email.upper(), PASSWORD).status_code == 429


def test_a_success_resets_the_email_count_but_not_the_address_count(alice: Member) -> None:
    for _ in range(4):
        log_in(alice.email)
    assert log_in(alice.email, PASSWORD).status_code == 302
    for _ in range(4):
        assert log_in(alice.email).status_code == 200
    limiters = throttle.login_limiters()
    assert (limiters.email.count(alice.email), limiters.address.count("127.0.0.1")) == (4, 8)


def test_an_address_is_locked_after_twenty_failures_whatever_the_email(alice: Member) -> None:
    attacker = "198.51.100.9"
    statuses = [log_in(f"guess{n}@example.com", address=attacker).status_code for n in range(20)]
    assert statuses == [200] * 19 + [429]
    event = AuditEvent.objects.get(action=Action.LOCKED_OUT)
    assert (event.detail, event.ip) == ({"scope": "address"}, attacker)
    with mock.patch.object(Member, "check_password", autospec=True) as check:
        assert log_in(alice.email, PASSWORD, attacker).status_code == 429
    assert check.call_count == 0
    assert log_in(alice.email, PASSWORD, "192.0.2.44").status_code == 302


def test_an_unknown_email_is_locked_too_and_never_named(db: None) -> None:
    typed = "hunter2-secret@nowhere.test"
    lock_out(typed)
    event = AuditEvent.objects.get(action=Action.LOCKED_OUT)
    assert event.detail == {"scope": "email", "member": None}
    assert "hunter2" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_a_form_that_never_reached_the_password_check_is_not_counted(alice: Member) -> None:
    for _ in range(6):
        Client().post("/login/", {"username": alice.email, "password": ""})
        Client().post("/login/", {"username": "not an email", "password": WRONG})
    assert log_in(alice.email, PASSWORD).status_code == 302
    assert throttle.login_limiters().address.count("127.0.0.1") == 0


def test_no_email_or_address_is_stored_in_the_clear(alice: Member) -> None:
    log_in(alice.email, address="203.0.113.77")
    rows = list(Attempt.objects.values_list("scope", "key_hash"))
    assert len(rows) == 2
    stored = str(rows)
    for clear in ("alice", "example.com", "203.0.113.77", "203.0.113"):
        assert clear not in stored
    assert all(re.fullmatch(r"[0-9a-f]{64}", key_hash) for _, key_hash in rows)
    import hashlib

    # Keyed, not a bare sha256 that anyone could recompute from a list of e-mails or all IPs.
    assert hashlib.sha256(alice.email.encode()).hexdigest() not in stored


def test_no_email_or_address_is_stored_in_the_clear_on_redis(on_redis: None, alice: Member) -> None:
    import redis

    log_in(alice.email, address="203.0.113.77")
    keys = redis.Redis.from_url(REDIS_TEST_URL).keys("*")
    assert len(keys) == 4  # a counter and its window start, per e-mail and per address
    assert not any(b"alice" in key or b"203.0.113" in key for key in keys)
    assert throttle.login_limiters().email.count(alice.email) == 1


# Confirming one's identity


def test_confirmation_locks_after_five_wrong_passwords(alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    client = login(alice, confirmed=False)
    for _ in range(4):
        response = client.post("/confirm/", {"password": WRONG})
        assert response.status_code == 200
        assert "not right" in response.content.decode()
    response = client.post("/confirm/", {"password": WRONG})
    assert response.status_code == 429
    assert "Too many failed attempts. Try again in 15 minutes." in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.IDENTITY_FAILED, actor=alice).count() == 5
    event = AuditEvent.objects.get(action=Action.LOCKED_OUT)
    assert (event.actor, event.detail) == (alice, {"scope": "confirm"})


def test_a_locked_confirmation_refuses_the_right_password_without_checking_it(
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    client = login(alice, confirmed=False)
    for _ in range(5):
        client.post("/confirm/", {"password": WRONG})
    with mock.patch.object(Member, "check_password", autospec=True, return_value=True) as check:
        response = client.post("/confirm/", {"password": PASSWORD, "next": "/"})
    assert response.status_code == 429
    assert check.call_count == 0
    assert not AuditEvent.objects.filter(action=Action.IDENTITY_CONFIRMED).exists()
    page = client.get("/confirm/")
    assert page.status_code == 429
    assert "Too many failed attempts" in page.content.decode()
    age_attempts(WINDOW)
    assert client.post("/confirm/", {"password": PASSWORD}).status_code == 302


def test_a_confirmation_resets_the_count(alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    client = login(alice, confirmed=False)
    for _ in range(4):
        client.post("/confirm/", {"password": WRONG})
    assert client.post("/confirm/", {"password": PASSWORD}).status_code == 302
    for _ in range(4):
        assert client.post("/confirm/", {"password": WRONG}).status_code == 200


def test_an_empty_confirmation_is_not_counted(alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    client = login(alice, confirmed=False)
    for _ in range(6):
        assert client.post("/confirm/", {"password": ""}).status_code == 200
    assert throttle.confirm_limiter().count(str(alice.pk)) == 0


def test_one_members_confirmation_lock_leaves_the_others_alone(
    alice: Member,
    bob: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    client = login(alice, confirmed=False)
    for _ in range(5):
        client.post("/confirm/", {"password": WRONG})
    assert login(bob, confirmed=False).post("/confirm/", {"password": PASSWORD}).status_code == 302


# Revealing and claiming codes


@override_settings(SPAREKEY_REVEALS_PER_HOUR=3)
def test_check_reveal_allows_the_hourly_limit_then_refuses(alice: Member, bob: Member) -> None:
    for _ in range(3):
        throttle.check_reveal(alice)
    for _ in range(2):
        with pytest.raises(throttle.RateLimited) as refused:
            throttle.check_reveal(alice)
    assert str(refused.value) == (
        "You have opened backup codes or secrets too often in the last hour. "
        "Try again in 60 minutes."
    )
    assert throttle.reveal_limiter().count(str(alice.pk)) == 3  # refusals are not counted
    throttle.check_reveal(bob)
    age_attempts(3600)
    throttle.check_reveal(alice)


@pytest.mark.django_db(transaction=True)
@override_settings(SPAREKEY_REVEALS_PER_HOUR=5)
def test_a_burst_of_reveals_gets_no_more_than_the_limit(store: str, alice: Member) -> None:
    def reveal(_: int) -> bool:
        try:
            throttle.check_reveal(alice)
        except throttle.RateLimited:
            return False
        return True

    assert sum(in_parallel(12, reveal)) == 5


# Bursts


@pytest.mark.django_db(transaction=True)
def test_parallel_hits_each_see_their_own_count(store: str) -> None:
    limiter = throttle.Limiter("test", 100, WINDOW)
    counts = in_parallel(16, lambda _: limiter.hit("a"))
    assert sorted(counts) == list(range(1, 17))
    assert limiter.count("a") == 16


@pytest.mark.django_db(transaction=True)
@override_settings(SPAREKEY_LOGIN_FAILURES_PER_EMAIL=100, SPAREKEY_LOGIN_FAILURES_PER_ADDRESS=100)
def test_a_burst_of_parallel_failed_logins_is_counted_exactly(store: str, alice: Member) -> None:
    statuses = in_parallel(16, lambda _: log_in(alice.email).status_code)
    assert statuses == [200] * 16
    limiters = throttle.login_limiters()
    assert limiters.email.count(alice.email) == 16
    assert limiters.address.count("127.0.0.1") == 16
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED).count() == 16


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_failed_logins_records_exactly_one_lock_out(store: str, alice: Member) -> None:
    statuses = in_parallel(12, lambda _: log_in(alice.email).status_code)
    assert statuses.count(429) >= 12 - 4
    assert throttle.login_limiters().email.count(alice.email) >= 5
    assert AuditEvent.objects.filter(action=Action.LOCKED_OUT).count() == 1
    assert log_in(alice.email, PASSWORD).status_code == 429


def test_a_read_then_write_counter_loses_hits_in_the_same_burst() -> None:
    """The negative control: what a per-process cache or DatabaseCache.incr would do."""
    cache = caches["default"]
    cache.set("naive", 0)
    barrier = threading.Barrier(8)

    def naive_hit(_: int) -> None:
        seen = cache.get("naive")
        barrier.wait(timeout=30)
        cache.set("naive", seen + 1)

    in_parallel(8, naive_hit)
    assert cache.get("naive") < 8
