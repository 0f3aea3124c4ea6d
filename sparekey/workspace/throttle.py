"""Limiters: how many failed logins, failed confirmations and reveals are allowed per window.

Counts hold across every server process. With SPAREKEY_REDIS_URL they live in Redis (atomic
INCR); otherwise in the database (one row per hit), because the default deployment runs several
gunicorn workers and a per-process cache would let each of them count on its own.

Who is counted is stored only as a keyed hash (HMAC-SHA256 under SECRET_KEY): neither the
limiter's table nor its cache keys hold an e-mail address or a client address.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import Attempt

FAILED_ATTEMPTS = "Too many failed attempts."
TOO_MANY_REVEALS = "You have opened backup codes or secrets too often in the last hour."
# At most this many expired rows of a scope go with each hit: the table cleans itself.
SWEEP_BATCH = 200


class RateLimited(Exception):
    """A limit is reached; ``str()`` is the sentence for the user."""

    def __init__(self, reason: str, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        minutes = math.ceil(self.retry_after / 60)
        super().__init__(f"{reason} Try again in {minutes} minute{'' if minutes == 1 else 's'}.")


class Store(Protocol):
    def hit(self, scope: str, digest: str, window: int) -> int: ...
    def take(self, scope: str, digest: str, limit: int, window: int) -> float | None: ...
    def count(self, scope: str, digest: str, window: int) -> int: ...
    def retry_after(self, scope: str, digest: str, limit: int, window: int) -> float | None: ...
    def reset(self, scope: str, digest: str) -> None: ...


class DatabaseStore:
    """A sliding window: a hit is an INSERT, a count is a COUNT of the rows in the window."""

    def hit(self, scope: str, digest: str, window: int) -> int:
        with transaction.atomic():
            queue_for(digest)
            now = timezone.now()
            since = now - timedelta(seconds=window)
            self._sweep(scope, since)
            Attempt.objects.create(scope=scope, key_hash=digest, at=now)
            return Attempt.objects.filter(scope=scope, key_hash=digest, at__gte=since).count()

    def take(self, scope: str, digest: str, limit: int, window: int) -> float | None:
        """Count one hit unless the limit is reached; then count nothing and say how long to wait.

        One transaction instead of a check and a hit: a reveal costs one round of statements,
        and parallel takes queue (queue_for), so that exactly ``limit`` of a burst get through.
        """
        with transaction.atomic():
            queue_for(digest)
            now = timezone.now()
            self._sweep(scope, now - timedelta(seconds=window))
            if self._recent(scope, digest, window).count() >= limit:
                wait = self.retry_after(scope, digest, limit, window)
                return float(window) if wait is None else wait
            Attempt.objects.create(scope=scope, key_hash=digest, at=now)
            return None

    def count(self, scope: str, digest: str, window: int) -> int:
        return self._recent(scope, digest, window).count()

    def retry_after(self, scope: str, digest: str, limit: int, window: int) -> float | None:
        # The limit lifts when the limit-th newest hit leaves the window. One row is read
        # (OFFSET limit - 1), however high a limit is set (the bench sets it to millions).
        nth_newest: list[datetime] = list(
            self._recent(scope, digest, window)
            .order_by("-at")
            .values_list("at", flat=True)[limit - 1 : limit]
        )
        if not nth_newest:
            return None
        lifts_at = nth_newest[0] + timedelta(seconds=window)
        return (lifts_at - timezone.now()).total_seconds()

    @staticmethod
    def _sweep(scope: str, since: datetime) -> None:
        # Skipping rows that another hit is deleting: two sweeps never wait on each other.
        expired = (
            Attempt.objects.select_for_update(skip_locked=True)
            .filter(scope=scope, at__lt=since)
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if pks := list(expired):
            Attempt.objects.filter(pk__in=pks).delete()

    def reset(self, scope: str, digest: str) -> None:
        Attempt.objects.filter(scope=scope, key_hash=digest).delete()

    @staticmethod
    def _recent(scope: str, digest: str, window: int) -> Any:
        since = timezone.now() - timedelta(seconds=window)
        return Attempt.objects.filter(scope=scope, key_hash=digest, at__gte=since)


def queue_for(digest: str) -> None:
    """Make parallel hits on one key take turns until their transactions end, so that each
    hit returns its own count and exactly one of them sees the count reach the limit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(digest[:15], 16)])
    # SQLite's IMMEDIATE transactions take the database's write lock at BEGIN: hits queue anyway.


class CacheStore:
    """A window that opens at the first hit and expires with its Redis key."""

    def __init__(self, cache: RedisCache) -> None:
        self.cache = cache

    def hit(self, scope: str, digest: str, window: int) -> int:
        key = self._key(scope, digest)
        self.cache.add(f"{key}:since", time.time(), window)
        for _ in range(3):
            # add() is SET NX with the window as expiry; incr() is Redis INCR, atomic across
            # processes. incr() fails only if the key expired in between: start a new window.
            self.cache.add(key, 0, window)
            try:
                return int(self.cache.incr(key))
            except ValueError:
                continue
        raise RuntimeError(f"The {scope} counter keeps expiring; is Redis evicting keys?")

    def take(self, scope: str, digest: str, limit: int, window: int) -> float | None:
        # A refused take is not counted; a burst that slips past the check is caught after INCR
        # (that hit stays counted, which only makes the wait as long as the window).
        if (wait := self.retry_after(scope, digest, limit, window)) is not None:
            return wait
        if self.hit(scope, digest, window) > limit:
            return self.retry_after(scope, digest, limit, window)
        return None

    def count(self, scope: str, digest: str, window: int) -> int:
        return int(self.cache.get(self._key(scope, digest)) or 0)

    def retry_after(self, scope: str, digest: str, limit: int, window: int) -> float | None:
        key = self._key(scope, digest)
        values = self.cache.get_many([key, f"{key}:since"])
        if int(values.get(key) or 0) < limit:
            return None
        since = float(values.get(f"{key}:since") or time.time())
        return since + window - time.time()

    def reset(self, scope: str, digest: str) -> None:
        key = self._key(scope, digest)
        self.cache.delete_many([key, f"{key}:since"])

    @staticmethod
    def _key(scope: str, digest: str) -> str:
        return f"sparekey:throttle:{scope}:{digest}"


def default_store() -> Store:
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return CacheStore(cache)
    return DatabaseStore()


@dataclass(frozen=True)
class Limiter:
    """At most ``limit`` hits per ``window`` seconds for each key of a scope."""

    scope: str
    limit: int
    window: int
    reason: str = FAILED_ATTEMPTS

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window < 1:
            raise ValueError(f"The {self.scope} limit and window must be at least 1.")

    def hit(self, key: str) -> int:
        """Record one event; return the count in the window, this event included."""
        return default_store().hit(self.scope, self.digest(key), self.window)

    def count(self, key: str) -> int:
        return default_store().count(self.scope, self.digest(key), self.window)

    def take(self, key: str) -> None:
        """Count one event, or raise RateLimited (and count nothing) at the limit."""
        wait = default_store().take(self.scope, self.digest(key), self.limit, self.window)
        if wait is not None:
            raise RateLimited(self.reason, wait)

    def check(self, key: str) -> None:
        retry_after = default_store().retry_after(
            self.scope, self.digest(key), self.limit, self.window
        )
        if retry_after is not None:
            raise RateLimited(self.reason, retry_after)

    def reset(self, key: str) -> None:
        default_store().reset(self.scope, self.digest(key))

    def digest(self, key: str) -> str:
        return salted_hmac(
            "sparekey.workspace.throttle", f"{self.scope}\n{key}", algorithm="sha256"
        ).hexdigest()


class LoginLimiters(NamedTuple):
    email: Limiter
    address: Limiter


def login_limiters() -> LoginLimiters:
    """Failed logins per e-mail (lower-cased) and per client address, in the lock-out window."""
    window = settings.SPAREKEY_LOCKOUT_SECONDS
    return LoginLimiters(
        email=Limiter("login-email", settings.SPAREKEY_LOGIN_FAILURES_PER_EMAIL, window),
        address=Limiter("login-address", settings.SPAREKEY_LOGIN_FAILURES_PER_ADDRESS, window),
    )


def confirm_limiter() -> Limiter:
    """Failed identity confirmations per member, in the lock-out window."""
    return Limiter("confirm", settings.SPAREKEY_CONFIRM_FAILURES, settings.SPAREKEY_LOCKOUT_SECONDS)


def reveal_limiter() -> Limiter:
    return Limiter("reveal", settings.SPAREKEY_REVEALS_PER_HOUR, 3600, TOO_MANY_REVEALS)


def check_reveal(member: Any) -> None:
    """Count one reveal or claim of backup codes by the member; refuse past the hourly limit."""
    reveal_limiter().take(str(member.pk))  # refused reveals are not counted
