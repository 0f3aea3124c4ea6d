"""A chain of 10,000 events against someone who can write the database but lacks the master key.

The chain is built once for the module (committed) and every test tampers with it inside its own
transaction, which is rolled back afterwards. Each test asserts the exact event named.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.test.utils import CaptureQueriesContext

from sparekey.audit import chain
from sparekey.audit.models import Action, AuditEvent, ChainHead
from sparekey.audit.verify import ChainReport, verify_chain
from sparekey.keys import audit_keys
from sparekey.keys.models import AuditKey

EVENTS = 10_000
APPENDS_PER_TRANSACTION = 250
MIDDLE = 5_000
# The head as it stood at this event is kept, as an attacker with an old backup would have it.
OLD_HEAD_SEQ = 9_000
ACTIONS = [Action.CODES_VIEWED, Action.CODE_USED, Action.LOGIN, Action.ACCESS_DENIED]

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ten_thousand_events")]


def clear_chain() -> None:
    AuditEvent.objects.all().delete()
    ChainHead.objects.all().delete()
    AuditKey.objects.all().delete()


@pytest.fixture(scope="module")
def ten_thousand_events(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """Build the chain with the real ``record``; yield the head row as it was at OLD_HEAD_SEQ."""
    with django_db_blocker.unblock():
        clear_chain()
        # A few hundred appends per transaction, not all in one: on PostgreSQL every update of the
        # head row leaves a row version that the next append steps over until the transaction ends.
        for first in range(1, EVENTS + 1, APPENDS_PER_TRANSACTION):
            with transaction.atomic():
                for n in range(first, first + APPENDS_PER_TRANSACTION):
                    chain.record(
                        ACTIONS[n % len(ACTIONS)],
                        detail={"n": n, "member": f"member{n % 7}@example.com"},
                    )
                    if n == OLD_HEAD_SEQ:
                        old_head = ChainHead.objects.values(
                            "seq", "mac", "key_id", "head_mac"
                        ).get()
    yield old_head
    with django_db_blocker.unblock():
        clear_chain()


def event(seq: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(seq=seq)


def mac_of(seq: int) -> str:
    return event(seq).values_list("mac", flat=True).get()


def assert_broken_at(seq: int, problem: str) -> ChainReport:
    report = verify_chain()
    assert not report.ok
    assert report.first_bad_seq == seq, report
    assert problem in report.problem
    return report


def test_the_untouched_chain_of_ten_thousand_events_is_intact() -> None:
    report = verify_chain()
    assert report.ok, report
    assert report.events == EVENTS
    assert report.head.seq == EVENTS
    assert report.head.mac == mac_of(EVENTS)


def test_it_reads_the_chain_in_batches_not_all_at_once() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert verify_chain(batch_size=1000).ok
    event_reads = [q["sql"] for q in queries if 'FROM "audit_auditevent"' in q["sql"]]
    batches = [sql for sql in event_reads if "LIMIT 1000" in sql]
    assert len(batches) == EVENTS // 1000 + 1  # the last one finds nothing more
    assert all("LIMIT" in sql for sql in event_reads)


EDITS: dict[str, Callable[[QuerySet[AuditEvent]], Any]] = {
    "detail": lambda events: events.update(detail={"n": MIDDLE, "member": "mallory@example.com"}),
    "timestamp": lambda events: events.update(at=F("at") - timedelta(hours=1)),
    "actor email": lambda events: events.update(actor_email="mallory@example.com"),
    "address": lambda events: events.update(ip="203.0.113.66"),
    "action": lambda events: events.update(action=Action.LOGOUT),
    "account name": lambda events: events.update(account_name="Brand Y"),
    "account uuid": lambda events: events.update(account_uuid=uuid.uuid4()),
    "own MAC": lambda events: events.update(mac="0" * 64),
}


@pytest.mark.parametrize("field", sorted(EDITS))
def test_an_edited_event_is_named(field: str) -> None:
    EDITS[field](event(MIDDLE))
    assert_broken_at(MIDDLE, "altered")


def test_an_event_edited_with_raw_sql_is_named() -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET ip = '198.51.100.7' WHERE seq = %s", [MIDDLE])
    assert_broken_at(MIDDLE, "altered")


def test_an_event_whose_link_to_the_one_before_is_edited_is_named() -> None:
    event(MIDDLE).update(prev_mac=mac_of(MIDDLE - 2))
    assert_broken_at(MIDDLE, "does not follow")


def test_an_event_naming_an_audit_key_that_does_not_exist_is_named_not_a_crash() -> None:
    event(MIDDLE).update(key_id="zzzzzzzz")
    assert_broken_at(MIDDLE, "audit key 'zzzzzzzz' cannot be opened")


def test_a_tampered_audit_key_is_named_at_the_first_event(monkeypatch: pytest.MonkeyPatch) -> None:
    AuditKey.objects.update(wrapped_key=b"\x01" * 60)
    monkeypatch.setattr(audit_keys, "_opened", {})  # as in a fresh `sparekey audit verify`
    assert_broken_at(1, "cannot be opened")


def test_a_mac_rewritten_with_non_ascii_text_is_named_not_a_crash() -> None:
    event(MIDDLE).update(mac="é" * 64)
    assert_broken_at(MIDDLE, "altered")


def store_unloadable_timestamp(seq: int) -> None:
    # What each database lets a writer store that Python cannot turn back into a datetime.
    garbage = "'infinity'" if connection.vendor == "postgresql" else "'not a time'"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET at = {garbage} WHERE seq = %s", [seq])


def test_a_timestamp_that_cannot_be_loaded_is_named_not_a_crash() -> None:
    store_unloadable_timestamp(MIDDLE)
    assert_broken_at(MIDDLE, "malformed")


def test_an_edit_before_an_unloadable_event_in_the_same_batch_is_named_first() -> None:
    event(MIDDLE - 7).update(detail={})
    store_unloadable_timestamp(MIDDLE)
    assert_broken_at(MIDDLE - 7, "altered")


def test_a_deleted_event_in_the_middle_is_named() -> None:
    event(MIDDLE).delete()
    report = assert_broken_at(MIDDLE, "missing")
    assert report.events == MIDDLE - 1


def test_the_first_events_deleted_are_named() -> None:
    AuditEvent.objects.filter(seq__lte=3).delete()
    assert_broken_at(1, "missing")


def shift_up_from(seq: int) -> None:
    """Make room at ``seq`` (in two steps: seq is unique and checked row by row)."""
    AuditEvent.objects.filter(seq__gte=seq).update(seq=-F("seq"))
    AuditEvent.objects.filter(seq__lt=0).update(seq=-F("seq") + 1)


def test_a_forged_event_inserted_in_the_middle_is_named() -> None:
    shift_up_from(MIDDLE)
    genuine = event(MIDDLE - 1).get()
    AuditEvent.objects.create(
        seq=MIDDLE,
        action=Action.CODES_DELETED,
        actor_email="mallory@example.com",
        detail={"codes": 10},
        key_id=genuine.key_id,
        prev_mac=genuine.mac,
        mac="f" * 64,
    )
    assert_broken_at(MIDDLE, "altered")


def test_a_genuine_event_copied_in_again_is_named() -> None:
    shift_up_from(MIDDLE)
    replayed = event(MIDDLE - 1).get()
    replayed.pk, replayed.seq = None, MIDDLE
    replayed.save()
    assert_broken_at(MIDDLE, "does not follow")


def swap(first: int, second: int) -> None:
    event(first).update(seq=-1)
    event(second).update(seq=first)
    event(-1).update(seq=second)


def test_two_events_swapped_are_named_at_the_earlier_place() -> None:
    swap(3_000, 7_000)
    assert_broken_at(3_000, "does not follow")


def test_two_neighbours_swapped_are_named() -> None:
    swap(MIDDLE, MIDDLE + 1)
    assert_broken_at(MIDDLE, "does not follow")


def test_a_forged_event_appended_with_the_head_moved_on_is_named() -> None:
    genuine = event(EVENTS).get()
    AuditEvent.objects.create(
        seq=EVENTS + 1,
        action=Action.CODES_DELETED,
        key_id=genuine.key_id,
        prev_mac=genuine.mac,
        mac="a" * 64,
    )
    ChainHead.objects.update(seq=EVENTS + 1, mac="a" * 64)
    assert_broken_at(EVENTS + 1, "altered")


def test_a_tail_deleted_behind_the_heads_back_is_named() -> None:
    AuditEvent.objects.filter(seq__gt=EVENTS - 10).delete()
    assert_broken_at(EVENTS - 9, "missing")


def test_a_tail_cut_off_with_the_head_moved_back_without_the_key_is_named() -> None:
    AuditEvent.objects.filter(seq__gt=EVENTS - 10).delete()
    ChainHead.objects.update(seq=EVENTS - 10, mac=mac_of(EVENTS - 10))
    assert_broken_at(EVENTS - 9, "head record was altered")


def test_every_event_deleted_with_the_head_left_is_named() -> None:
    AuditEvent.objects.all().delete()
    assert_broken_at(1, "missing")


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="only SQLite stores text there")
def test_a_head_record_that_cannot_be_read_is_named_not_a_crash() -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_chainhead SET seq = 'ten thousand'")
    assert_broken_at(EVENTS + 1, "head record is malformed")


def test_a_deleted_head_record_is_named_after_the_last_event() -> None:
    ChainHead.objects.all().delete()
    assert_broken_at(EVENTS + 1, "head record is missing")


def test_a_head_put_back_from_an_old_copy_is_named_while_the_later_events_remain(
    ten_thousand_events: dict[str, Any],
) -> None:
    ChainHead.objects.update(**ten_thousand_events)
    assert_broken_at(OLD_HEAD_SEQ + 1, "stops before it")


def test_a_tail_cut_back_to_an_old_copy_of_the_head_shows_only_in_the_printed_head(
    ten_thousand_events: dict[str, Any],
) -> None:
    """The documented limit: this is a valid, shorter chain; only a head noted earlier tells."""
    AuditEvent.objects.filter(seq__gt=OLD_HEAD_SEQ).delete()
    ChainHead.objects.update(**ten_thousand_events)
    report = verify_chain()
    assert report.ok
    assert report.head.seq == OLD_HEAD_SEQ != EVENTS


def test_an_event_appended_while_it_checks_is_checked_too_not_an_alarm() -> None:
    """An append that commits between reading the last event and reading the head."""
    appended = False

    def append_before_reading_the_head(execute: Any, sql: str, *args: Any) -> Any:
        nonlocal appended
        if not appended and 'FROM "audit_chainhead"' in sql:
            appended = True
            chain.record(Action.LOGIN, detail={"n": EVENTS + 1})
        return execute(sql, *args)

    with connection.execute_wrapper(append_before_reading_the_head):
        report = verify_chain()
    assert appended
    assert report.ok, report
    assert report.events == EVENTS + 1


def test_an_empty_chain_is_intact() -> None:
    clear_chain()
    report = verify_chain()
    assert report.ok
    assert report.events == 0
