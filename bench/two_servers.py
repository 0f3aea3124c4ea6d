"""Two `sparekey serve` processes on one PostgreSQL, as README's "Running several servers" sets up.

    python -m bench.two_servers [--requests 400] [--owners 4] [--threads 8]

Each server has a data directory of its own; what they share is what several servers must
share: the database (DATABASE_URL), the master key (SPAREKEY_MASTER_KEY), the secret key
(SPAREKEY_SECRET_KEY, which signs sessions' auth hashes) and Redis (SPAREKEY_REDIS_URL, for
rate limits and lock-outs). Sessions live in the database, so a member logged in on one server
is logged in on the other.

Once both answer `GET /healthz`, threads, each an Owner of the same two accounts, alternate
between the servers: they claim codes through the web form and the API, and read the dashboard,
the account page and the API's list. Then it checks four outcomes and prints a summary:

- no code was handed out twice (and the database marks exactly the handed-out codes used);
- no request got a 5xx (or no answer);
- `sparekey audit verify` passes on the chain both servers appended to;
- five failed logins alternating between the servers lock the e-mail out on both.

It loads 127.0.0.1 only, for a bounded number of requests, and stops and drops everything it
started (servers, the database, the temporary directory; it flushes its Redis database).
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.api.live import DEFAULT_POSTGRES, PASSWORD, LiveSparekey, call

DEFAULT_REDIS = "redis://127.0.0.1:6379/13"
CODES_PER_ACCOUNT = 100  # the most one paste may hold
ACCOUNTS = ("Brand X", "Registrar")
LOCKED_OUT_EMAIL = "locked@example.com"
LOGIN_FAILURES = 5
# What the load asks, in turn: a third of it claims codes.
OPERATIONS = ("api_claim", "dashboard", "web_claim", "api_list", "account_page", "api_codes")


@dataclass
class Outcome:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    by_server: Counter[str] = field(default_factory=Counter)
    claimed: list[str] = field(default_factory=list)
    used_in_database: int = -1
    no_answer: list[str] = field(default_factory=list)
    audit_verify: str = ""
    audit_ok: bool = False
    lockout: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def duplicates(self) -> int:
        return len(self.claimed) - len(set(self.claimed))

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500) + len(self.no_answer)

    @property
    def lockout_holds(self) -> bool:
        """The fifth failure is refused, and then the right password on both servers too."""
        expected = [200] * (LOGIN_FAILURES - 1) + [429, 429, 429]
        return self.lockout == expected

    @property
    def ok(self) -> bool:
        return (
            self.duplicates == 0
            and self.used_in_database == len(self.claimed)
            and self.server_errors == 0
            and self.audit_ok
            and self.lockout_holds
        )

    def summary(self) -> str:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        servers = ", ".join(f"{base}: {n}" for base, n in sorted(self.by_server.items()))
        lines = [
            f"two servers: {self.requests} requests in {self.seconds:.1f} s ({statuses})",
            f"  per server: {servers}",
            f"  codes handed out: {len(self.claimed)}, duplicates: {self.duplicates}, "
            f"marked used in the database: {self.used_in_database}",
            f"  5xx or no answer: {self.server_errors}"
            + (f" ({'; '.join(self.no_answer[:3])})" if self.no_answer else ""),
            f"  audit verify: {'passed' if self.audit_ok else 'FAILED'}: {self.audit_verify}",
            f"  lock-out across servers: {'holds' if self.lockout_holds else 'FAILED'} "
            f"(statuses {self.lockout})",
            f"two-servers: {'ok' if self.ok else 'FAILED'}",
        ]
        return "\n".join(lines)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """A member's browser: one cookie jar, which both servers' cookies land in (a cookie is
    per host, not per port), so a session made on one server is presented to the other."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect()
        )
        self.csrf = ""

    def request(self, url: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = None
        if form is not None:
            data = urlencode({"csrfmiddlewaretoken": self.csrf, **form}).encode()
        try:
            with self.opener.open(url, data, timeout=60) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as answer:
            status, body = answer.code, answer.read().decode()
        if token := re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body):
            self.csrf = token.group(1)
        return status, body

    def log_in(self, base: str, email: str, password: str) -> int:
        self.request(f"{base}/login/")
        return self.request(f"{base}/login/", {"username": email, "password": password})[0]

    def confirm_identity(self, base: str) -> int:
        self.request(f"{base}/confirm/")
        return self.request(f"{base}/confirm/", {"password": PASSWORD})[0]


def wait_for_health(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{base}/healthz did not answer 200 within {seconds:.0f} s")
        time.sleep(0.2)


def flush_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5).flushdb()
    except (redis.exceptions.RedisError, OSError) as error:
        raise RuntimeError(f"Redis at {url} does not answer: {error}") from None


def new_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(f"{secrets.token_hex(3)[:5]}-{secrets.token_hex(3)[:5]}")
    return sorted(codes)


def used_codes_in(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT COUNT(*) FROM backup_codes_backupcode WHERE used_at IS NOT NULL"
        ).fetchone()
    return int(row[0]) if row else -1


def run(
    *,
    requests: int = 400,
    owners: int = 4,
    threads: int = 8,
    postgres: str = DEFAULT_POSTGRES,
    redis_url: str = DEFAULT_REDIS,
    say: Any = print,
) -> Outcome:
    """Set up, load and check two servers; everything started is stopped before it returns."""
    flush_redis(redis_url)
    workdir = Path(tempfile.mkdtemp(prefix="sparekey-two-servers-"))
    # LiveSparekey (the API's end-to-end helper) makes a PostgreSQL database of its own for the
    # run when told the tests run on PostgreSQL; it drops it in close().
    saved = {name: os.environ.get(name) for name in ("SPAREKEY_TEST_DB", "SPAREKEY_TEST_POSTGRES")}
    os.environ |= {"SPAREKEY_TEST_DB": "postgres", "SPAREKEY_TEST_POSTGRES": postgres}
    try:
        live = LiveSparekey(workdir, migrated_data_dir=workdir / "unused on PostgreSQL")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    outcome = Outcome()
    try:
        live.env |= {
            "SPAREKEY_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "SPAREKEY_SECRET_KEY": secrets.token_urlsafe(50),
            "SPAREKEY_REDIS_URL": redis_url,
            # The load claims and reads far more than a person would in an hour.
            "SPAREKEY_REVEALS_PER_HOUR": "1000000",
            "SPAREKEY_API_REQUESTS_PER_MINUTE": "1000000",
            "SPAREKEY_LOGIN_FAILURES_PER_EMAIL": str(LOGIN_FAILURES),
        }
        emails = [f"owner{n}@example.com" for n in range(owners)]
        for n, email in enumerate(emails):
            live.add_member(email, "owner" if n == 0 else "user")
        live.add_member(LOCKED_OUT_EMAIL)
        owner_args = [arg for email in emails for arg in ("--owner", email)]
        for name in ACCOUNTS:
            live.run("addaccount", name, "--app", "App", *owner_args)
        tokens = [live.token(email, "read", "use", "manage") for email in emails]

        bases = [
            live.serve(SPAREKEY_DATA_DIR=str(workdir / f"server-{name}-data")) for name in "ab"
        ]
        for base in bases:
            wait_for_health(base)
        say(f"two servers: {bases[0]} and {bases[1]}, one PostgreSQL database, Redis {redis_url}")

        status, page = call(bases[0], "GET", "/accounts", tokens[0])
        assert status == 200, page
        accounts = [row["id"] for row in page["accounts"]]
        for n, account in enumerate(accounts):
            body = {"codes": new_codes(CODES_PER_ACCOUNT)}
            path = f"/accounts/{account}/backup-codes"
            status, saved_codes = call(bases[n % 2], "PUT", path, tokens[0], body)
            assert status == 201, saved_codes

        load(live, bases, emails, tokens, accounts, requests, threads, outcome)
        outcome.used_in_database = used_codes_in(live.env["DATABASE_URL"])
        outcome.lockout = lock_out(bases)
        live.stop()
        try:
            outcome.audit_verify = live.run("audit", "verify").strip()
            outcome.audit_ok = True
        except AssertionError as failed:
            outcome.audit_verify = str(failed).strip()
    finally:
        live.close()
        shutil.rmtree(workdir, ignore_errors=True)
        flush_redis(redis_url)
    return outcome


def load(
    live: LiveSparekey,
    bases: list[str],
    emails: list[str],
    tokens: list[str],
    accounts: list[str],
    requests: int,
    threads: int,
    outcome: Outcome,
) -> None:
    """``requests`` requests from ``threads`` Owners at once, each alternating the servers."""
    browsers = []
    for n in range(threads):
        browser = Browser()
        # Logged in on one server, confirmed on the other: the session is in the database.
        assert browser.log_in(bases[n % 2], emails[n % len(emails)], PASSWORD) == 302
        assert browser.confirm_identity(bases[(n + 1) % 2]) == 302
        browsers.append(browser)
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def owner(n: int) -> None:
        browser, token = browsers[n], tokens[n % len(tokens)]
        barrier.wait(timeout=60)
        for step in range(n, requests, threads):
            base = bases[step % 2]
            account = accounts[(step // 2) % len(accounts)]
            operation = OPERATIONS[(step // threads) % len(OPERATIONS)]
            code = None
            try:
                if operation == "api_claim":
                    path = f"/accounts/{account}/backup-codes/claim"
                    status, body = call(base, "POST", path, token)
                    code = body.get("code") if status == 200 else None
                elif operation == "web_claim":
                    url = f"{base}/accounts/{account}/backup-codes/next/"
                    status, html = browser.request(url, {})
                    found = re.search(r'<code id="claimed-code">([^<]+)</code>', html)
                    code = found.group(1) if status == 200 and found else None
                elif operation == "api_list":
                    status, _ = call(base, "GET", "/accounts", token)
                elif operation == "api_codes":
                    status, _ = call(base, "GET", f"/accounts/{account}/backup-codes", token)
                elif operation == "dashboard":
                    status, _ = browser.request(f"{base}/")
                else:
                    status, _ = browser.request(f"{base}/accounts/{account}/")
            except (OSError, ValueError) as error:
                with lock:
                    outcome.no_answer.append(f"{operation} on {base}: {type(error).__name__}")
                continue
            with lock:
                outcome.requests += 1
                outcome.statuses[status] += 1
                outcome.by_server[base] += 1
                if code is not None:
                    outcome.claimed.append(code)

    started = time.monotonic()
    workers = [threading.Thread(target=owner, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=600)
    outcome.seconds = time.monotonic() - started


def lock_out(bases: list[str]) -> list[int]:
    """Failed logins alternating the servers, then the right password on each: the statuses."""
    statuses = [
        Browser().log_in(bases[n % 2], LOCKED_OUT_EMAIL, "wrong guess 123")
        for n in range(LOGIN_FAILURES)
    ]
    return statuses + [Browser().log_in(base, LOCKED_OUT_EMAIL, PASSWORD) for base in bases]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.two_servers", description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--owners", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--postgres", default=os.environ.get("SPAREKEY_TEST_POSTGRES", DEFAULT_POSTGRES)
    )
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="a Redis database of the run's own")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 100_000 or not 1 <= args.threads <= 64 or args.owners < 1:
        parser.error("--requests 1..100000, --threads 1..64, --owners 1 or more")
    outcome = run(
        requests=args.requests,
        owners=args.owners,
        threads=args.threads,
        postgres=args.postgres,
        redis_url=args.redis,
    )
    print(outcome.summary())
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
