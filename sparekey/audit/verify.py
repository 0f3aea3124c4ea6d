"""Checking the audit chain from its first event to its head.

Someone who can write the database but lacks the master key cannot edit, insert, delete or
reorder an event, nor cut events off the end of the chain, without ``verify_chain`` naming the
first event that does not fit. What it cannot see alone: the tail cut off *and* the head row put
back from a copy taken earlier (a backup, say), which is a valid chain that merely stops sooner.
Note the head that ``sparekey audit verify`` prints somewhere outside the database to catch that.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import DataError

from sparekey.keys import keyring

from .chain import GENESIS_MAC, event_mac, head_mac, mac_key_known
from .models import AuditEvent, ChainHead

# What loading a row raises when its stored values were overwritten with something that is not
# a timestamp, a UUID, ... (raw SQL can put any text in an SQLite column; PostgreSQL stores
# 'infinity' in a timestamp column, which Python cannot load).
UNREADABLE = (DataError, ValueError, TypeError, AttributeError, OverflowError)


@dataclass(frozen=True)
class ChainPosition:
    """An event of the chain: its place and its MAC, which vouches for everything before it."""

    seq: int
    mac: str


GENESIS = ChainPosition(0, GENESIS_MAC)


@dataclass(frozen=True)
class ChainReport:
    head: ChainPosition  # the last event found intact
    first_bad_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None

    @property
    def events(self) -> int:
        """How many events were found intact (the chain is numbered 1, 2, 3, ... without gaps)."""
        return self.head.seq


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Recompute every MAC in order; name the first event that does not fit the chain.

    Events are read in batches by ``seq`` (keyset pagination), so memory stays flat however long
    the chain is, and appends that happen meanwhile are checked too instead of raising an alarm.
    """
    keyring()  # no master key is an error (KeyringError) to fix, not a broken chain
    reached = GENESIS
    while True:
        reached, broken = _check_events(reached, batch_size)
        if broken is not None:
            return broken
        try:
            head = ChainHead.objects.filter(pk=1).first()
            # The head row and an event are written in one transaction, so every event up to a
            # head we can see is visible too: a head ahead of us means more to read or a gap.
            if head is None or head.seq <= reached.seq or not _any_event_after(reached):
                return _check_head(head, reached)
        except UNREADABLE:
            return _broken(reached, reached.seq + 1, "the chain's head record is malformed")


def _check_events(
    reached: ChainPosition, batch_size: int
) -> tuple[ChainPosition, ChainReport | None]:
    try:
        for event in _events_after(reached.seq, batch_size):
            if problem := _problem_with(event, reached):
                return reached, problem
            reached = ChainPosition(event.seq, event.mac)
    except UNREADABLE:
        if batch_size > 1:
            # Read on from the last good event in smaller batches, down to the row that fails.
            return _check_events(reached, batch_size // 10 or 1)
        seq = (
            AuditEvent.objects.filter(seq__gt=reached.seq)
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
        )
        return reached, _broken(reached, seq or reached.seq + 1, "its stored values are malformed")
    return reached, None


def _events_after(seq: int, batch_size: int) -> Iterator[AuditEvent]:
    while True:
        batch = AuditEvent.objects.filter(seq__gt=seq).order_by("seq")[:batch_size]
        read = 0
        for event in batch.iterator(chunk_size=batch_size):
            read += 1
            seq = event.seq
            yield event
        if read < batch_size:
            return


def _problem_with(event: AuditEvent, before: ChainPosition) -> ChainReport | None:
    expected = before.seq + 1
    if event.seq != expected:
        return _broken(before, expected, "it is missing")
    if not _same(event.prev_mac, before.mac):
        return _broken(before, event.seq, "it does not follow the event before it")
    if not mac_key_known(event.key_id):
        return _broken(before, event.seq, f"its audit key {event.key_id[:8]!r} cannot be opened")
    if not _same(event.mac, event_mac(event, before.mac)):
        return _broken(before, event.seq, "it was altered (its MAC does not match)")
    return None


def _any_event_after(reached: ChainPosition) -> bool:
    return AuditEvent.objects.filter(seq__gt=reached.seq).exists()


def _check_head(head: ChainHead | None, reached: ChainPosition) -> ChainReport:
    cut = f"events after #{reached.seq} may have been cut off"
    if head is None:
        if reached == GENESIS:
            return ChainReport(reached)
        return _broken(reached, reached.seq + 1, f"the chain's head record is missing; {cut}")
    if head.seq > reached.seq:
        return _broken(
            reached,
            reached.seq + 1,
            f"it is missing (the chain's head record says the chain goes on to #{head.seq})",
        )
    if head.seq < reached.seq:
        return _broken(
            reached,
            head.seq + 1,
            f"the chain's head record (#{head.seq}) stops before it: it may have been put back",
        )
    if head.seq == 0:
        return ChainReport(reached)
    authentic = (
        mac_key_known(head.key_id)
        and _same(head.mac, reached.mac)
        and _same(head.head_mac, head_mac(head.seq, head.mac, head.key_id))
    )
    if not authentic:
        return _broken(reached, reached.seq + 1, f"the chain's head record was altered; {cut}")
    return ChainReport(reached)


def _broken(reached: ChainPosition, seq: int, problem: str) -> ChainReport:
    return ChainReport(reached, first_bad_seq=seq, problem=problem)


def _same(stored: str, expected: str) -> bool:
    # Bytes, not str: compare_digest refuses non-ASCII text, which an attacker may well store.
    return hmac.compare_digest(str(stored).encode(), expected.encode())
