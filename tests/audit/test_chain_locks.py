"""Appends to different accounts do not wait for each other; appends to one account do.

A thread appends to account A and keeps its transaction open (so it holds A's chain head).
Meanwhile the test's own connection appends to account B, and to the workspace chain: both
commit while A's transaction is still open. The control: an append to A itself, with a
lock_timeout, is refused for waiting on A's head - so the test would see waiting if it
happened. No duration is asserted: the lock_timeout only turns "waits" into an error instead of
a hang. PostgreSQL only: SQLite has one writer at a time, whatever the rows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction

from sparekey.accounts.models import Account
from sparekey.audit import chain
from sparekey.audit.models import Action, AuditEvent
from sparekey.audit.verify import verify_chain
from sparekey.keys import keyring

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="SQLite has a single writer, by design"
    ),
]


def make_account(name: str) -> Account:
    return Account.objects.create(name=name, app="Mail", key_id="", wrapped_data_key=b"")


class HeldAppend:
    """A thread, on a connection of its own, that appends to an account and waits to commit."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.holding = threading.Event()
        self.release = threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        try:
            with transaction.atomic():
                chain.record(Action.CODE_USED, account=self.account, detail={"held": True})
                self.holding.set()
                if not self.release.wait(timeout=60):
                    raise AssertionError("never released")
        except BaseException as error:  # reported by the test, not lost in the thread
            self.errors.append(error)
            self.holding.set()
        finally:
            connection.close()

    def __enter__(self) -> HeldAppend:
        self.thread.start()
        assert self.holding.wait(timeout=60)
        assert not self.errors, self.errors
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self.thread.join(timeout=60)
        assert not self.errors, self.errors


@pytest.fixture
def started() -> Iterator[tuple[Account, Account]]:
    """Two accounts whose chains are started (a first event also takes the workspace head)."""
    keyring()
    a, b = make_account("Brand A"), make_account("Brand B")
    chain.record(Action.ACCOUNT_ADDED, account=a)
    chain.record(Action.ACCOUNT_ADDED, account=b)
    yield a, b


@contextmanager
def lock_timeout() -> Iterator[None]:
    """Waiting for a lock becomes an error, on this connection, for the block only."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '2s'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def test_an_append_to_another_account_commits_while_one_account_is_held(
    started: tuple[Account, Account],
) -> None:
    a, b = started
    with HeldAppend(a) as held, lock_timeout():
        chain.record(Action.CODE_USED, account=b, detail={"while": "A held"})
        chain.record(Action.LOGIN, detail={"while": "A held"})
        # Both committed (autocommit) while A's transaction is still open.
        assert held.thread.is_alive() and not held.release.is_set()
        committed = set(
            AuditEvent.objects.filter(detail__while="A held").values_list("chain", flat=True)
        )
        assert committed == {str(b.uuid), ""}
        assert not AuditEvent.objects.filter(detail__held=True).exists()  # A's is not yet
    assert AuditEvent.objects.filter(detail__held=True).count() == 1
    assert verify_chain().ok


def test_an_append_to_the_held_account_waits_for_it(started: tuple[Account, Account]) -> None:
    """The control: the same test sees waiting when there is waiting."""
    a, _ = started
    with HeldAppend(a), lock_timeout():
        with pytest.raises(OperationalError, match="lock timeout"):
            chain.record(Action.CODE_USED, account=a, detail={"while": "A held"})
    assert not AuditEvent.objects.filter(detail__while="A held").exists()
    assert verify_chain().ok
