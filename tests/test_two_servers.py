"""`python -m bench.two_servers`, small: two real servers on one PostgreSQL and one Redis.

A few hundred requests from several Owners at once, alternating between the servers, then the
four outcomes README's "Running several servers" promises.
"""

from __future__ import annotations

import os

import pytest

from bench.two_servers import DEFAULT_REDIS, Outcome, run
from tests.api.live import DEFAULT_POSTGRES
from tests.workspace.test_throttle import redis_or_skip


@pytest.fixture(scope="module")
def outcome() -> Outcome:
    import psycopg

    postgres = os.environ.get("SPAREKEY_TEST_POSTGRES", DEFAULT_POSTGRES)
    try:
        psycopg.connect(postgres, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is unreachable: {error}")
        pytest.skip(f"PostgreSQL is unreachable: {error}")
    redis_or_skip(DEFAULT_REDIS)
    result = run(requests=300, owners=3, threads=6, postgres=postgres, say=lambda text: None)
    print(result.summary())
    return result


def test_every_request_was_answered_without_a_server_error(outcome: Outcome) -> None:
    assert outcome.requests == 300
    assert outcome.server_errors == 0, outcome.summary()
    assert len(outcome.by_server) == 2  # both servers took their share
    assert min(outcome.by_server.values()) >= 100


def test_no_code_was_handed_out_twice(outcome: Outcome) -> None:
    assert len(outcome.claimed) >= 50, outcome.summary()  # the load really claimed codes
    assert outcome.duplicates == 0
    assert outcome.used_in_database == len(outcome.claimed)


def test_the_audit_chain_both_servers_appended_to_verifies(outcome: Outcome) -> None:
    assert outcome.audit_ok, outcome.audit_verify
    assert "The audit chain is intact" in outcome.audit_verify


def test_a_lock_out_on_one_server_holds_on_the_other(outcome: Outcome) -> None:
    assert outcome.lockout_holds, outcome.lockout


def test_it_says_what_it_found(outcome: Outcome) -> None:
    assert outcome.ok
    assert outcome.summary().endswith("two-servers: ok")
