"""Two real `sparekey serve` processes on one data directory share one lock-out.

Failed logins alternate between the servers; after the fifth, both refuse even the right password.
Once with the default limiter (rows in the SQLite database), once with SPAREKEY_REDIS_URL.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.commands.conftest import command_env
from tests.conftest import PASSWORD
from tests.workspace.test_throttle import redis_or_skip

EMAIL = "alice@example.com"
REDIS_URL = "redis://127.0.0.1:6379/14"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def log_in(base: str, password: str) -> tuple[int, str]:
    """Fetch the login page for its CSRF token, then post the form, as a browser would."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect()
    )
    page = opener.open(f"{base}/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, page
    form = {"csrfmiddlewaretoken": token.group(1), "username": EMAIL, "password": password}
    try:
        with opener.open(f"{base}/login/", urlencode(form).encode(), timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_serving(base: str, server: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            urllib.request.urlopen(f"{base}/login/", timeout=5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not answer within 60 s:\n{log.read_text()}")


def locked_out_events(data_dir: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(data_dir / "sparekey.sqlite3", timeout=20) as database:
        rows = database.execute(
            "SELECT detail FROM audit_auditevent WHERE action = 'locked_out'"
        ).fetchall()
    return [json.loads(detail) for (detail,) in rows]


def stored_attempts(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "sparekey.sqlite3", timeout=20) as database:
        return int(database.execute("SELECT COUNT(*) FROM workspace_attempt").fetchone()[0])


@pytest.mark.parametrize("redis_url", [None, REDIS_URL], ids=["database", "redis"])
def test_five_failures_across_two_servers_lock_the_email_on_both(
    tmp_path: Path, redis_url: str | None
) -> None:
    data_dir = tmp_path / "data"
    env = command_env(data_dir)
    env.pop("SPAREKEY_REDIS_URL", None)
    if redis_url:
        redis_or_skip(redis_url)
        env["SPAREKEY_REDIS_URL"] = redis_url
    env |= {"SPAREKEY_LOGIN_FAILURES_PER_EMAIL": "5", "SPAREKEY_LOGIN_FAILURES_PER_ADDRESS": "20"}

    def sparekey(*args: str, stdin: str = "") -> None:
        command = [sys.executable, "-m", "sparekey", *args]
        result = subprocess.run(
            command, input=stdin, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr

    sparekey("migrate")
    sparekey("adduser", EMAIL, "--role", "owner", "--password-stdin", stdin=PASSWORD + "\n")

    servers: list[subprocess.Popen[str]] = []
    bases = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = tmp_path / f"server-{name}.log"
            command = ["serve", "--port", str(port), "--workers", "1", "--no-migrate"]
            with log.open("w") as output:
                server = subprocess.Popen(
                    [sys.executable, "-m", "sparekey", *command],
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            servers.append(server)
            bases.append(f"http://127.0.0.1:{port}")
        for name, base, server in zip("ab", bases, servers, strict=True):
            wait_until_serving(base, server, tmp_path / f"server-{name}.log")

        assert [log_in(base, PASSWORD)[0] for base in bases] == [302, 302]
        failures = [log_in(bases[n % 2], "wrong guess 123")[0] for n in range(5)]
        assert failures == [200, 200, 200, 200, 429]
        for base in bases:
            status, page = log_in(base, PASSWORD)
            assert status == 429
            assert "Too many failed attempts. Try again in 15 minutes." in page
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)

    assert locked_out_events(data_dir) == [{"scope": "email", "member": EMAIL}]
    if redis_url:
        import redis

        assert stored_attempts(data_dir) == 0
        assert redis.Redis.from_url(redis_url).keys("*sparekey:throttle:*")
        redis_or_skip(redis_url)
    else:
        assert stored_attempts(data_dir) == 5 + 5  # per e-mail and per address
