"""Migration 0007: the single chain recorded before it is kept, as the start of the workspace chain.

The database is taken back to 0006, a chain is written there the way the single-chain
``record`` wrote it (same MACs, same head), and migrated forward: it verifies as it is, new
events of the workspace and of accounts continue it, and tampering with the old events is still
named.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from sparekey.accounts.models import Account
from sparekey.audit import chain
from sparekey.audit.models import Action, AuditEvent, ChainHead
from sparekey.audit.verify import verify_chain
from sparekey.keys import keyring
from sparekey.keys.models import AuditKey

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("audit", "0006_action_without_choices")]
OLD_EVENTS = 30


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def write_single_chain(apps: Any) -> None:
    """Events and head exactly as the single-chain ``record`` left them."""
    OldEvent = apps.get_model("audit", "AuditEvent")
    OldHead = apps.get_model("audit", "ChainHead")
    key_id = AuditKey.create().key_id
    mac = chain.GENESIS_MAC
    for seq in range(1, OLD_EVENTS + 1):
        # The MAC the old code computed: the same fields, which event_mac still takes for v1.
        shape = AuditEvent(
            seq=seq,
            at=timezone.now(),
            action=Action.LOGIN,
            actor_email=f"member{seq}@example.com",
            detail={"n": seq},
            key_id=key_id,
            mac_version=chain.LEGACY_MAC_VERSION,
        )
        mac_now = chain.event_mac(shape, mac)
        OldEvent.objects.create(
            seq=seq,
            at=shape.at,
            action=shape.action,
            actor_email=shape.actor_email,
            detail=shape.detail,
            key_id=key_id,
            prev_mac=mac,
            mac=mac_now,
        )
        mac = mac_now
    OldHead.objects.create(
        pk=1,
        seq=OLD_EVENTS,
        mac=mac,
        key_id=key_id,
        head_mac=chain.head_mac(OLD_EVENTS, mac, key_id),
    )


@pytest.fixture
def migrated_single_chain() -> Iterator[None]:
    keyring()
    forward = latest()
    try:
        write_single_chain(migrate(BEFORE))
        migrate(forward)
        yield
    finally:
        migrate(forward)


def test_the_old_chain_verifies_as_it_was(migrated_single_chain: None) -> None:
    assert set(AuditEvent.objects.values_list("mac_version", flat=True)) == {1}
    assert list(AuditEvent.objects.values_list("chain", "chain_seq")) == [
        ("", n) for n in range(1, OLD_EVENTS + 1)
    ]
    head = ChainHead.objects.get()
    assert (head.pk, head.chain, head.seq) == (1, "", OLD_EVENTS)
    report = verify_chain()
    assert report.ok, report
    assert report.events == OLD_EVENTS


def test_new_events_continue_it(migrated_single_chain: None) -> None:
    account = Account.objects.create(name="Brand X", app="Mail", key_id="", wrapped_data_key=b"")
    chain.record(Action.LOGOUT)
    chain.record(Action.CODES_VIEWED, account=account)
    login = AuditEvent.objects.get(action=Action.LOGOUT)
    assert (login.chain, login.chain_seq, login.mac_version) == ("", OLD_EVENTS + 1, 2)
    assert login.seq > OLD_EVENTS  # on PostgreSQL, the sequence was moved past the old seqs
    assert login.prev_mac == AuditEvent.objects.get(seq=OLD_EVENTS).mac
    report = verify_chain()
    assert report.ok, report
    assert report.events == OLD_EVENTS + 3  # + chain_opened
    assert report.chains == 2


def test_an_old_event_edited_is_still_named(migrated_single_chain: None) -> None:
    chain.record(Action.LOGOUT)
    AuditEvent.objects.filter(seq=12).update(actor_email="mallory@example.com")
    report = verify_chain()
    assert (report.first_bad_seq, "altered" in report.problem) == (12, True)


def test_an_old_event_given_another_place_is_named(migrated_single_chain: None) -> None:
    """The old MACs do not cover the new chain fields: they must agree with seq."""
    AuditEvent.objects.filter(seq=OLD_EVENTS).update(chain_seq=OLD_EVENTS + 5)
    report = verify_chain()
    assert (report.first_bad_seq, "altered" in report.problem) == (OLD_EVENTS, True)


def test_the_old_events_deleted_before_the_new_ones_are_named(migrated_single_chain: None) -> None:
    chain.record(Action.LOGOUT)
    AuditEvent.objects.filter(seq__lte=OLD_EVENTS).delete()
    report = verify_chain()
    assert not report.ok
    assert "missing" in report.problem
