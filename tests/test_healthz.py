"""`GET /healthz`: 200 while the database answers and the master key opens, 503 otherwise."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit.models import AuditEvent
from sparekey.keys import keyring
from tests.api.live import LiveSparekey

HEALTHY = {"status": "ok", "database": "ok", "key": "ok"}


@pytest.fixture
def no_key_cached() -> Iterator[None]:
    """The keyring is loaded afresh in the test and again after it, as a new process would."""
    keyring.cache_clear()
    yield
    keyring.cache_clear()


def test_it_answers_200_to_anyone_without_a_cookie_or_an_audit_event(account: Account) -> None:
    events = AuditEvent.objects.count()
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == HEALTHY
    assert not response.cookies  # no session, no CSRF cookie
    assert "no-cache" in response["Cache-Control"]
    assert AuditEvent.objects.count() == events


def test_a_logged_in_member_gets_the_same_answer(account: Account, login: Any) -> None:
    client = login(account.grants.first().member)
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, HEALTHY)
    assert "sessionid" not in response.cookies


def test_it_answers_head_and_refuses_post(db: None) -> None:
    assert Client().head("/healthz").status_code == 200
    assert Client().post("/healthz").status_code == 405


def test_it_is_not_redirected_to_https_when_pages_are(db: None, settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/login/").status_code == 301
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, HEALTHY)


def test_a_missing_master_key_is_503_and_no_key_is_made(
    account: Account, settings: Any, tmp_path: Path, no_key_cached: None
) -> None:
    settings.MASTER_KEY = ""
    settings.MASTER_KEY_PATH = tmp_path / "master.key"
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "key": "unavailable"}
    assert not settings.MASTER_KEY_PATH.exists()  # never a new key over existing data
    assert b"master.key" not in response.content and str(tmp_path).encode() not in response.content


def test_another_master_key_is_503(
    account: Account, settings: Any, tmp_path: Path, no_key_cached: None
) -> None:
    from sparekey.crypto import Key, Keyring

    other = Key.generate()
    Keyring([other], other.id).save(tmp_path / "master.key")
    settings.MASTER_KEY = ""
    settings.MASTER_KEY_PATH = tmp_path / "master.key"
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["key"] == "unavailable"
    assert other.id.encode() not in response.content


def get(url: str) -> tuple[int, dict[str, Any], str | None]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read()), response.headers["Set-Cookie"]
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers["Set-Cookie"]


@pytest.fixture
def live_on_postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveSparekey]:
    """A real server on a PostgreSQL database of its own, whatever database the suite uses."""
    import psycopg

    url = os.environ.get("SPAREKEY_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is unreachable: {error}")
        pytest.skip(f"PostgreSQL is unreachable: {error}")
    monkeypatch.setenv("SPAREKEY_TEST_DB", "postgres")
    live = LiveSparekey(tmp_path, migrated_data_dir=tmp_path / "unused on PostgreSQL")
    try:
        yield live
    finally:
        live.close()


def test_a_real_server_answers_503_while_its_database_refuses_connections(
    live_on_postgres: LiveSparekey,
) -> None:
    import psycopg

    live = live_on_postgres
    live.add_member("alice@example.com", "owner")
    live.run("addaccount", "Brand X", "--app", "X", "--owner", "alice@example.com")
    base = live.serve()
    assert get(f"{base}/healthz") == (200, HEALTHY, None)

    database = live.database
    with psycopg.connect(live._admin_url(), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [database],
        )
        status, body, cookie = get(f"{base}/healthz")
        assert (status, body, cookie) == (
            503,
            {"status": "unavailable", "database": "unavailable", "key": "unchecked"},
            None,
        )
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    assert get(f"{base}/healthz") == (200, HEALTHY, None)  # back without a restart
