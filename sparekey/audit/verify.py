"""Checking every audit chain from its first event to its head.

Someone who can write the database but lacks the master key cannot edit, insert, delete,
reorder or move an event between chains, cut events off the end of a chain, nor delete a whole
account's chain, without ``verify_chain`` naming the first event that does not fit. What it
cannot see alone: a chain's tail cut off *and* its head row put back from a copy taken earlier
(a backup, say), which is a valid chain that merely stops sooner. Note what
``sparekey audit verify`` prints somewhere outside the database to catch that for the newest
event's chain (docs/audit-chain.md).

One pass reads all events in the workspace-wide order (``seq``), keeping the last intact event
of each chain (one small entry per account); the chains' heads are checked at the end.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, cast
from uuid import UUID

from django.db import DataError

from sparekey.keys import keyring

from .chain import (
    GENESIS_MAC,
    LEGACY_MAC_VERSION,
    WORKSPACE_CHAIN,
    event_mac,
    head_mac,
    mac_key_known,
)
from .models import Action, AuditEvent, ChainHead

# What loading a row raises when its stored values were overwritten with something that is not
# a timestamp, a UUID, ... (raw SQL can put any text in an SQLite column; PostgreSQL stores
# 'infinity' in a timestamp column, which Python cannot load).
UNREADABLE = (DataError, ValueError, TypeError, AttributeError, OverflowError)


@dataclass(frozen=True)
class ChainPosition:
    """An event: its workspace-wide number and its MAC, which vouches for its chain so far."""

    seq: int
    mac: str


GENESIS = ChainPosition(0, GENESIS_MAC)


@dataclass(frozen=True)
class ChainReport:
    head: ChainPosition  # the newest event found intact
    events: int = 0  # how many events were found intact
    chains: int = 0  # how many chains they are on
    first_bad_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


@dataclass
class _Link:
    """The last intact event of one chain."""

    chain_seq: int
    mac: str
    seq: int
    first_seq: int


@dataclass
class _Walk:
    links: dict[str, _Link] = field(default_factory=dict)
    # Account chains started on the workspace chain, with the seq of the event that did it.
    started: dict[str, int] = field(default_factory=dict)
    events: int = 0
    newest: ChainPosition = GENESIS
    cursor: int = 0  # the main pass has read every event up to this seq
    # Audit keys found to open in this pass: a handful of ids for any number of events.
    known_keys: set[str] = field(default_factory=set)

    def report(self, first_bad_seq: int | None = None, problem: str = "") -> ChainReport:
        return ChainReport(self.newest, self.events, len(self.links), first_bad_seq, problem)

    def take(self, event: AuditEvent, *, in_order: bool = True) -> ChainReport | None:
        """Check ``event`` against its chain so far; on a gap, look for what the pass missed.

        The pass can miss an event that committed after its batch was read (its number was
        drawn before a later event's, its commit came after): the next event of the same chain
        then shows a gap, which is filled from the chain itself before anything is called
        missing.
        """
        if event.mac_version == LEGACY_MAC_VERSION and (
            event.chain != WORKSPACE_CHAIN or event.chain_seq != event.seq
        ):
            # A legacy MAC does not cover the chain fields, which were derived from seq.
            return self.report(event.seq, "it was altered (its place does not match its MAC)")
        link = self.links.get(event.chain)
        expected = (link.chain_seq if link else 0) + 1
        if in_order and event.chain_seq > expected:
            if problem := self.catch_up(event.chain, event.chain_seq - 1, below=event.seq):
                return problem
            link = self.links.get(event.chain)
            expected = (link.chain_seq if link else 0) + 1
        if event.chain_seq != expected:
            return self.report(event.seq, self.out_of_place(event, expected))
        if link is not None and event.seq <= link.seq:
            return self.report(event.seq, "it does not follow the event before it")
        if not _same(event.prev_mac, link.mac if link else GENESIS_MAC):
            return self.report(event.seq, "it does not follow the event before it")
        if event.key_id not in self.known_keys:
            if not mac_key_known(event.key_id):
                return self.report(
                    event.seq, f"its audit key {event.key_id[:8]!r} cannot be opened"
                )
            self.known_keys.add(event.key_id)
        if not _same(event.mac, event_mac(event, link.mac if link else GENESIS_MAC)):
            return self.report(event.seq, "it was altered (its MAC does not match)")
        first_seq = link.first_seq if link else event.seq
        self.links[event.chain] = _Link(event.chain_seq, event.mac, event.seq, first_seq)
        self.events += 1
        if event.seq > self.newest.seq:
            self.newest = ChainPosition(event.seq, event.mac)
        if (
            event.chain == WORKSPACE_CHAIN
            and event.action == Action.CHAIN_OPENED
            and event.mac_version != LEGACY_MAC_VERSION
            and isinstance(event.detail, dict)
        ):
            self.started[str(event.detail.get("chain"))] = event.seq
        return None

    def out_of_place(self, event: AuditEvent, expected: int) -> str:
        if event.chain_seq < expected:
            return "it does not follow the event before it"
        chain = _label(event.chain)
        if AuditEvent.objects.filter(chain=event.chain, chain_seq=expected).exists():
            return f"it does not follow the event before it (#{expected} of {chain} comes later)"
        return f"the event before it on {chain} (#{expected} there) is missing"

    def catch_up(self, chain: str, upto: int, *, below: int | None = None) -> ChainReport | None:
        """Check the events of ``chain`` after the last one found intact, up to ``upto``."""
        link = self.links.get(chain)
        events = AuditEvent.objects.filter(
            chain=chain, chain_seq__gt=link.chain_seq if link else 0, chain_seq__lte=upto
        )
        if below is not None:
            events = events.filter(seq__lt=below)
        try:
            for event in events.order_by("chain_seq"):
                if problem := self.take(event, in_order=False):
                    return problem
        except UNREADABLE:
            return self.report(below or self.newest.seq + 1, "an event of its chain is malformed")
        return None

    def finish(self) -> ChainReport:
        """Check every chain's head, and that every chain was started on the workspace chain."""
        try:
            heads = list(ChainHead.objects.values_list("chain", "seq", "mac", "key_id", "head_mac"))
            problems = [p for head in heads if (p := self.check_head(*head))]
        except UNREADABLE:
            return self.report(self.newest.seq + 1, "a chain's head record is malformed")
        with_head = {head[0] for head in heads}
        for chain, link in self.links.items():
            if chain not in with_head:
                problems.append(
                    self.report(
                        link.seq + 1,
                        f"the head record of {_label(chain)} is missing; events after "
                        f"#{link.seq} may have been cut off",
                    )
                )
            if chain != WORKSPACE_CHAIN and chain not in self.started:
                problems.append(self.report(link.first_seq, f"{_label(chain)} was never started"))
        for chain, seq in self.started.items():
            if chain not in self.links:
                problems.append(
                    self.report(seq, f"the chain it started ({_label(chain)}) was deleted")
                )
        if problems:
            return min(problems, key=lambda report: report.first_bad_seq or 0)
        return self.report()

    def check_head(
        self, chain: str, seq: Any, mac: str, key_id: str, stored_head_mac: str
    ) -> ChainReport | None:
        link = self.links.get(chain)
        if seq > (link.chain_seq if link else 0):
            # Appended after the pass read that far: the head and its events commit together.
            if problem := self.catch_up(chain, seq):
                return problem
            link = self.links.get(chain)
        reached = link.chain_seq if link else 0
        after = link.seq if link else self.started.get(chain, self.newest.seq)
        cut = f"events after #{after} may have been cut off"
        if seq > reached:
            return self.report(
                after + 1,
                f"it is missing ({_label(chain)}'s head record says it goes on to #{seq} there)",
            )
        if seq < reached:
            put_back = AuditEvent.objects.filter(chain=chain, chain_seq=seq + 1)
            return self.report(
                put_back.values_list("seq", flat=True).first() or after,
                f"{_label(chain)}'s head record (#{seq}) stops before it: it may have been put "
                "back",
            )
        if link is None:
            return None  # an empty chain: only the workspace's, before its first event
        authentic = (
            mac_key_known(key_id)
            and _same(mac, link.mac)
            and _same(stored_head_mac, head_mac(seq, mac, key_id, chain))
        )
        if not authentic:
            return self.report(after + 1, f"{_label(chain)}'s head record was altered; {cut}")
        return None


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Recompute every MAC in order; name the first event that does not fit its chain.

    Events are read in batches by ``seq`` (keyset pagination), so memory stays flat however
    many events there are, and appends that happen meanwhile are checked too instead of raising
    an alarm.
    """
    keyring()  # no master key is an error (KeyringError) to fix, not a broken chain
    walk = _Walk()
    if broken := _check_events(walk, batch_size):
        return broken
    return walk.finish()


def _check_events(walk: _Walk, batch_size: int) -> ChainReport | None:
    try:
        for event in _events_after(walk.cursor, batch_size):
            if problem := walk.take(event):
                return problem
            walk.cursor = event.seq
    except UNREADABLE:
        if batch_size > 1:
            # Read on from the last good event in smaller batches, down to the row that fails.
            return _check_events(walk, batch_size // 10 or 1)
        seq = (
            AuditEvent.objects.filter(seq__gt=walk.cursor)
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
        )
        return walk.report(seq or walk.cursor + 1, "its stored values are malformed")
    return None


class EventRow(NamedTuple):
    """What checking an event reads, by the names AuditEvent gives it. The main pass loads
    these tuples, not model instances: building a model per row was half of what
    `audit verify` spent (docs/performance.md)."""

    seq: int
    at: datetime
    action: str
    actor_id: int | None
    actor_email: str
    account_uuid: UUID | None
    account_name: str
    ip: str | None
    detail: Any
    key_id: str
    prev_mac: str
    mac: str
    chain: str
    chain_seq: int
    mac_version: int


def _events_after(seq: int, batch_size: int) -> Iterator[AuditEvent]:
    """Every event after ``seq`` in order, with the fields event_mac and _Walk.take read.

    The rows are EventRow tuples (the same attribute names as AuditEvent), which the database
    converters still fill: a malformed stored value raises here, as it would loading a model.
    """
    make = EventRow._make
    while True:
        batch = AuditEvent.objects.filter(seq__gt=seq).order_by("seq")[:batch_size]
        read = 0
        for values in batch.values_list(*EventRow._fields).iterator(chunk_size=batch_size):
            read += 1
            event = make(values)
            seq = event.seq
            yield cast(AuditEvent, event)
        if read < batch_size:
            return


def _label(chain: str) -> str:
    return "the workspace chain" if chain == WORKSPACE_CHAIN else f"account {chain}'s chain"


def _same(stored: str, expected: str) -> bool:
    # Bytes, not str: compare_digest refuses non-ASCII text, which an attacker may well store.
    return hmac.compare_digest(str(stored).encode(), expected.encode())
