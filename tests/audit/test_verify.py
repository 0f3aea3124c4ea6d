"""10,000 events on six chains against someone who can write the database but lacks the key.

The events (the workspace chain and five accounts' chains, interleaved as a busy workspace
records them) are built once for the module with the real ``record``, committed, and every test
tampers with them inside its own transaction, which is rolled back afterwards. Each test
asserts the exact event named. Numbers are found in the database, not assumed: on PostgreSQL
``seq`` comes from a sequence that other tests of the run have drawn from too.
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

from sparekey.accounts.models import Account
from sparekey.audit import chain
from sparekey.audit.models import Action, AuditEvent, ChainHead
from sparekey.audit.verify import ChainReport, verify_chain
from sparekey.keys import audit_keys
from sparekey.keys.models import AuditKey

EVENTS = 10_000
APPENDS_PER_TRANSACTION = 250
ACCOUNTS = 5
# The n-th append goes to the workspace chain when n % 6 == 0, else to account n % 6.
CHAINS = ACCOUNTS + 1
ACTIONS = [Action.CODES_VIEWED, Action.CODE_USED, Action.LOGIN, Action.ACCESS_DENIED]
# A head as it stood after this append is kept, as an attacker with an old backup would have it.
OLD_HEAD_AT = 9_000

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ten_thousand_events")]


def clear_chains() -> None:
    AuditEvent.objects.all().delete()
    ChainHead.objects.all().delete()
    AuditKey.objects.all().delete()


@pytest.fixture(scope="module")
def ten_thousand_events(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """Build the chains with the real ``record``; yield account 1's head as it was at 9,000."""
    with django_db_blocker.unblock():
        clear_chains()
        accounts = [
            Account.objects.create(name=f"Brand {n}", app="Mail", key_id="", wrapped_data_key=b"")
            for n in range(ACCOUNTS)
        ]
        # A few hundred appends per transaction, not all in one: on PostgreSQL every update of a
        # head row leaves a row version that the next append steps over until the transaction
        # ends.
        for first in range(1, EVENTS + 1, APPENDS_PER_TRANSACTION):
            with transaction.atomic():
                for n in range(first, first + APPENDS_PER_TRANSACTION):
                    target = n % CHAINS
                    chain.record(
                        ACTIONS[n % len(ACTIONS)],
                        account=accounts[target - 1] if target else None,
                        detail={"n": n, "member": f"member{n % 7}@example.com"},
                    )
                    if n == OLD_HEAD_AT:
                        old_head = ChainHead.objects.values("seq", "mac", "key_id", "head_mac").get(
                            chain=str(accounts[0].uuid)
                        )
    yield {"accounts": [str(a.uuid) for a in accounts], "old_head": old_head}
    with django_db_blocker.unblock():
        clear_chains()
        Account.all_objects.filter(pk__in=[a.pk for a in accounts]).delete()


@pytest.fixture
def chains(ten_thousand_events: dict[str, Any]) -> list[str]:
    """The five accounts' chain names."""
    return list(ten_thousand_events["accounts"])


def all_seqs() -> list[int]:
    return list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))


def nth(n: int) -> int:
    """The seq of the n-th event (1-based) in the workspace-wide order."""
    return all_seqs()[n - 1]


def event(seq: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(seq=seq)


def mac_of(seq: int) -> str:
    return event(seq).values_list("mac", flat=True).get()


def chain_of(seq: int) -> list[int]:
    """The seqs of the chain that the event ``seq`` is on, in chain order."""
    name = event(seq).values_list("chain", flat=True).get()
    return list(
        AuditEvent.objects.filter(chain=name).order_by("chain_seq").values_list("seq", flat=True)
    )


def next_in_chain(seq: int) -> int:
    seqs = chain_of(seq)
    return seqs[seqs.index(seq) + 1]


def in_chain(name: str) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(chain=name).order_by("chain_seq")


def assert_broken_at(seq: int, problem: str) -> ChainReport:
    report = verify_chain()
    assert not report.ok
    assert report.first_bad_seq == seq, report
    assert problem in report.problem, report
    return report


def test_the_untouched_chains_of_ten_thousand_events_are_intact(chains: list[str]) -> None:
    report = verify_chain()
    assert report.ok, report
    assert report.events == AuditEvent.objects.count() == EVENTS + ACCOUNTS  # + chain_opened
    assert report.chains == CHAINS
    newest = max(all_seqs())
    assert report.head.seq == newest
    assert report.head.mac == mac_of(newest)
    for name in ["", *chains]:
        places = list(in_chain(name).values_list("chain_seq", flat=True))
        assert places == list(range(1, len(places) + 1))
    assert ChainHead.objects.count() == CHAINS


def test_each_account_chain_was_started_on_the_workspace_chain(chains: list[str]) -> None:
    started = AuditEvent.objects.filter(action=Action.CHAIN_OPENED)
    assert sorted(e.detail["chain"] for e in started) == sorted(chains)
    assert set(started.values_list("chain", flat=True)) == {""}
    for opened in started:
        # Named in the detail only: the account's own activity does not show it.
        assert (opened.account_id, opened.account_uuid, opened.account_name) == (None, None, "")
        first = in_chain(opened.detail["chain"]).first()
        assert first is not None and opened.seq < first.seq


def test_it_reads_the_events_in_batches_not_all_at_once() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert verify_chain(batch_size=1000).ok
    event_reads = [q["sql"] for q in queries if 'FROM "audit_auditevent"' in q["sql"]]
    batches = [sql for sql in event_reads if "LIMIT 1000" in sql]
    assert len(batches) == (EVENTS + ACCOUNTS) // 1000 + 1
    assert all("LIMIT" in sql for sql in event_reads)


EDITS: dict[str, Callable[[QuerySet[AuditEvent]], Any]] = {
    "detail": lambda events: events.update(detail={"n": 1, "member": "mallory@example.com"}),
    "timestamp": lambda events: events.update(at=F("at") - timedelta(hours=1)),
    "actor email": lambda events: events.update(actor_email="mallory@example.com"),
    "address": lambda events: events.update(ip="203.0.113.66"),
    "action": lambda events: events.update(action=Action.LOGOUT),
    "account name": lambda events: events.update(account_name="Brand Y"),
    "account uuid": lambda events: events.update(account_uuid=uuid.uuid4()),
    "own MAC": lambda events: events.update(mac="0" * 64),
    "MAC version": lambda events: events.update(mac_version=1),
}


@pytest.mark.parametrize("field", sorted(EDITS))
@pytest.mark.parametrize("where", [5_000, 5_003], ids=["account event", "workspace event"])
def test_an_edited_event_is_named(field: str, where: int) -> None:
    seq = nth(where)
    EDITS[field](event(seq))
    assert_broken_at(seq, "altered")


def test_an_event_edited_with_raw_sql_is_named() -> None:
    seq = nth(5_000)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET ip = '198.51.100.7' WHERE seq = %s", [seq])
    assert_broken_at(seq, "altered")


def test_an_event_whose_link_to_the_one_before_is_edited_is_named() -> None:
    seq = nth(5_000)
    chain_seqs = chain_of(seq)
    event(seq).update(prev_mac=mac_of(chain_seqs[chain_seqs.index(seq) - 2]))
    assert_broken_at(seq, "does not follow")


def test_an_event_naming_an_audit_key_that_does_not_exist_is_named_not_a_crash() -> None:
    seq = nth(5_000)
    event(seq).update(key_id="zzzzzzzz")
    assert_broken_at(seq, "audit key 'zzzzzzzz' cannot be opened")


def test_a_tampered_audit_key_is_named_at_the_first_event(monkeypatch: pytest.MonkeyPatch) -> None:
    AuditKey.objects.update(wrapped_key=b"\x01" * 60)
    monkeypatch.setattr(audit_keys, "_opened", {})  # as in a fresh `sparekey audit verify`
    assert_broken_at(nth(1), "cannot be opened")


def test_a_mac_rewritten_with_non_ascii_text_is_named_not_a_crash() -> None:
    seq = nth(5_000)
    event(seq).update(mac="é" * 64)
    assert_broken_at(seq, "altered")


def store_unloadable_timestamp(seq: int) -> None:
    # What each database lets a writer store that Python cannot turn back into a datetime.
    garbage = "'infinity'" if connection.vendor == "postgresql" else "'not a time'"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET at = {garbage} WHERE seq = %s", [seq])


def test_a_timestamp_that_cannot_be_loaded_is_named_not_a_crash() -> None:
    seq = nth(5_000)
    store_unloadable_timestamp(seq)
    assert_broken_at(seq, "malformed")


def test_an_edit_before_an_unloadable_event_in_the_same_batch_is_named_first() -> None:
    event(nth(4_993)).update(detail={})
    store_unloadable_timestamp(nth(5_000))
    assert_broken_at(nth(4_993), "altered")


def test_a_deleted_event_in_the_middle_is_named_at_the_next_event_of_its_chain() -> None:
    seq = nth(5_000)
    after = next_in_chain(seq)
    event(seq).delete()
    report = assert_broken_at(after, "is missing")
    assert report.events == len([s for s in all_seqs() if s < after])


def test_the_first_events_deleted_are_named() -> None:
    first = all_seqs()[:3]
    nexts = [next_in_chain(seq) for seq in first]
    AuditEvent.objects.filter(seq__in=first).delete()
    assert_broken_at(min(s for s in nexts if s not in first), "missing")


def test_a_forged_event_inserted_in_the_middle_is_named() -> None:
    seq = nth(5_000)
    genuine = event(seq).get()
    # Room at seq, and at the event's place in its chain (in two steps: both are unique).
    AuditEvent.objects.filter(seq__gte=seq).update(seq=-F("seq"))
    AuditEvent.objects.filter(seq__lt=0).update(seq=-F("seq") + 1)
    in_chain(genuine.chain).filter(chain_seq__gte=genuine.chain_seq).update(
        chain_seq=-F("chain_seq")
    )
    in_chain(genuine.chain).filter(chain_seq__lt=0).update(chain_seq=-F("chain_seq") + 1)
    AuditEvent.objects.create(
        seq=seq,
        chain=genuine.chain,
        chain_seq=genuine.chain_seq,
        action=Action.CODES_DELETED,
        actor_email="mallory@example.com",
        detail={"codes": 10},
        key_id=genuine.key_id,
        prev_mac=genuine.prev_mac,
        mac="f" * 64,
    )
    assert_broken_at(seq, "altered")


def test_a_genuine_event_copied_in_again_is_named() -> None:
    seq = nth(5_000)
    chain_seqs = chain_of(seq)
    replayed = event(chain_seqs[chain_seqs.index(seq) - 1]).get()
    AuditEvent.objects.filter(seq__gte=seq).update(seq=-F("seq"))
    AuditEvent.objects.filter(seq__lt=0).update(seq=-F("seq") + 1)
    in_chain(replayed.chain).filter(chain_seq__gt=replayed.chain_seq).update(
        chain_seq=-F("chain_seq")
    )
    in_chain(replayed.chain).filter(chain_seq__lt=0).update(chain_seq=-F("chain_seq") + 1)
    replayed.pk, replayed.seq, replayed.chain_seq = None, seq, replayed.chain_seq + 1
    replayed.save()
    assert_broken_at(seq, "does not follow")


def swap(first: int, second: int) -> None:
    event(first).update(seq=-1)
    event(second).update(seq=first)
    event(-1).update(seq=second)


def test_two_events_of_one_chain_swapped_are_named_at_the_earlier_place() -> None:
    seqs = chain_of(nth(3_000))
    earlier, later = seqs[100], seqs[600]
    swap(earlier, later)
    assert_broken_at(earlier, "does not follow")


def test_two_neighbours_of_one_chain_swapped_are_named() -> None:
    seq = nth(5_000)
    swap(seq, next_in_chain(seq))
    assert_broken_at(seq, "does not follow")


def test_two_events_of_different_chains_swapped_in_the_workspace_order_are_named() -> None:
    """The Activity page's order is authenticated too: ``seq`` is under the MAC."""
    first, second = nth(5_000), nth(5_001)
    assert chain_of(first) != chain_of(second)
    swap(first, second)
    assert_broken_at(first, "altered")


def test_an_event_moved_to_another_chain_is_named(chains: list[str]) -> None:
    seq = nth(5_000)
    moved = event(seq).get()
    target = next(name for name in chains if name != moved.chain)
    event(seq).update(chain=target, chain_seq=10**6)  # a place that is free there
    assert_broken_at(seq, "")


def test_an_event_moved_to_another_chain_and_fitted_in_there_is_named(chains: list[str]) -> None:
    """Right place, right link in the other chain: only the MAC, which covers the chain, tells."""
    seq = nth(5_000)
    moved = event(seq).get()
    target = next(name for name in chains if name != moved.chain)
    before = in_chain(target).filter(seq__lt=seq).last()
    assert before is not None
    in_chain(target).filter(chain_seq__gt=before.chain_seq).update(chain_seq=-F("chain_seq"))
    in_chain(target).filter(chain_seq__lt=0).update(chain_seq=-F("chain_seq") + 1)
    event(seq).update(chain=target, chain_seq=before.chain_seq + 1, prev_mac=before.mac)
    assert_broken_at(seq, "altered")


def last_of(name: str) -> AuditEvent:
    last = in_chain(name).last()
    assert last is not None
    return last


def test_a_forged_event_appended_with_the_head_moved_on_is_named(chains: list[str]) -> None:
    genuine = last_of(chains[2])
    forged_seq = max(all_seqs()) + 1
    AuditEvent.objects.create(
        seq=forged_seq,
        chain=chains[2],
        chain_seq=genuine.chain_seq + 1,
        action=Action.CODES_DELETED,
        key_id=genuine.key_id,
        prev_mac=genuine.mac,
        mac="a" * 64,
    )
    ChainHead.objects.filter(chain=chains[2]).update(seq=genuine.chain_seq + 1, mac="a" * 64)
    assert_broken_at(forged_seq, "altered")


@pytest.mark.parametrize("which", [0, None], ids=["account chain", "workspace chain"])
def test_a_tail_deleted_behind_the_heads_back_is_named(
    chains: list[str], which: int | None
) -> None:
    name = "" if which is None else chains[which]
    kept = list(in_chain(name).values_list("seq", flat=True))[:-10]
    in_chain(name).filter(seq__gt=kept[-1]).delete()
    assert_broken_at(kept[-1] + 1, "missing")


def test_a_tail_cut_off_with_the_head_moved_back_without_the_key_is_named(
    chains: list[str],
) -> None:
    name = chains[3]
    cut_at = list(in_chain(name))[-11]
    in_chain(name).filter(chain_seq__gt=cut_at.chain_seq).delete()
    ChainHead.objects.filter(chain=name).update(seq=cut_at.chain_seq, mac=cut_at.mac)
    assert_broken_at(cut_at.seq + 1, "head record was altered")


def test_a_head_copied_onto_another_chain_is_named(chains: list[str]) -> None:
    """Cut a chain back to where another chain's head stands, and put that head on it."""
    # Account 5's chain is one event shorter than account 1's (10,000 appends take turns).
    donor = ChainHead.objects.values("seq", "mac", "key_id", "head_mac").get(chain=chains[4])
    victim = in_chain(chains[0])
    cut_at = victim.get(chain_seq=donor["seq"])
    victim.filter(chain_seq__gt=donor["seq"]).delete()
    ChainHead.objects.filter(chain=chains[0]).update(**{**donor, "mac": cut_at.mac})
    assert_broken_at(cut_at.seq + 1, "head record was altered")


def test_every_event_deleted_with_the_heads_left_is_named() -> None:
    AuditEvent.objects.all().delete()
    assert_broken_at(1, "missing")


def test_a_whole_account_chain_deleted_is_named_where_it_was_started(chains: list[str]) -> None:
    in_chain(chains[1]).delete()
    ChainHead.objects.filter(chain=chains[1]).delete()
    opened = AuditEvent.objects.get(action=Action.CHAIN_OPENED, detail__chain=chains[1])
    assert_broken_at(opened.seq, f"the chain it started (account {chains[1]}'s chain) was deleted")


def test_a_whole_account_chain_deleted_with_the_event_that_started_it_is_named(
    chains: list[str],
) -> None:
    in_chain(chains[1]).delete()
    ChainHead.objects.filter(chain=chains[1]).delete()
    opened = AuditEvent.objects.get(action=Action.CHAIN_OPENED, detail__chain=chains[1])
    after = next_in_chain(opened.seq)
    opened.delete()
    assert_broken_at(after, "missing")


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="only SQLite stores text there")
def test_a_head_record_that_cannot_be_read_is_named_not_a_crash() -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_chainhead SET seq = 'ten thousand'")
    assert_broken_at(max(all_seqs()) + 1, "head record is malformed")


def test_a_deleted_head_record_is_named_after_the_last_event_of_its_chain(
    chains: list[str],
) -> None:
    ChainHead.objects.filter(chain=chains[0]).delete()
    assert_broken_at(last_of(chains[0]).seq + 1, "head record of account")


def test_a_head_put_back_from_an_old_copy_is_named_while_the_later_events_remain(
    ten_thousand_events: dict[str, Any], chains: list[str]
) -> None:
    old_head = ten_thousand_events["old_head"]
    ChainHead.objects.filter(chain=chains[0]).update(**old_head)
    named = in_chain(chains[0]).get(chain_seq=old_head["seq"] + 1)
    assert_broken_at(named.seq, "stops before it")


def test_a_tail_cut_back_to_an_old_copy_of_the_head_shows_only_in_the_printed_head(
    ten_thousand_events: dict[str, Any], chains: list[str]
) -> None:
    """The documented limit: a valid, shorter chain; only a head noted earlier tells."""
    old_head = ten_thousand_events["old_head"]
    in_chain(chains[0]).filter(chain_seq__gt=old_head["seq"]).delete()
    ChainHead.objects.filter(chain=chains[0]).update(**old_head)
    assert verify_chain().ok


def test_events_appended_while_it_checks_are_checked_too_not_an_alarm() -> None:
    """Appends that commit between reading the last event and reading the heads."""
    appended = False
    fresh = Account.objects.create(name="Brand new", app="Mail", key_id="", wrapped_data_key=b"")

    def append_before_reading_the_heads(execute: Any, sql: str, *args: Any) -> Any:
        nonlocal appended
        if not appended and 'FROM "audit_chainhead"' in sql:
            appended = True
            chain.record(Action.LOGIN, detail={"n": EVENTS + 1})
            chain.record(Action.CODES_VIEWED, account=fresh, detail={"n": EVENTS + 2})
        return execute(sql, *args)

    with connection.execute_wrapper(append_before_reading_the_heads):
        report = verify_chain()
    assert appended
    assert report.ok, report
    assert report.events == EVENTS + ACCOUNTS + 3  # with the fresh chain's chain_opened


def test_an_event_the_pass_missed_is_found_in_its_chain_not_called_missing() -> None:
    """An event that committed after its batch was read, behind a later event of its chain.

    Made here by reading the events before an append and the rest after: the new event's
    chain shows a gap at the event after it, which must be filled from the chain.
    """
    seq = nth(5_000)
    held = event(seq).get()
    event(seq).delete()
    calls = 0

    def put_it_back_after_the_first_batch(execute: Any, sql: str, *args: Any) -> Any:
        nonlocal calls
        if 'FROM "audit_auditevent"' in sql and "LIMIT" in sql:
            calls += 1
            if calls == 2:
                held.save(force_insert=True)  # as if it committed late, behind the cursor
        return execute(sql, *args)

    with connection.execute_wrapper(put_it_back_after_the_first_batch):
        report = verify_chain(batch_size=(EVENTS + ACCOUNTS) // 2 + 1)
    assert calls >= 2
    assert report.ok, report
    assert report.events == EVENTS + ACCOUNTS


def test_empty_chains_are_intact() -> None:
    clear_chains()
    report = verify_chain()
    assert report.ok
    assert report.events == 0
