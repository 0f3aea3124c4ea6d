"""Checking the audit chain from its first event to its head."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sparekey.crypto import CryptoError

from .chain import GENESIS_MAC, event_mac, head_mac
from .models import AuditEvent, ChainHead


@dataclass(frozen=True)
class ChainReport:
    events: int
    first_bad_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Recompute every MAC in order; name the first event that does not fit the chain.

    Detects an edited event (its MAC), a deleted, inserted or reordered one (the sequence and the
    previous-MAC links) and a truncated tail (the head row, which every append updates).
    """
    expected_seq, prev_mac, count = 1, GENESIS_MAC, 0
    last_seq = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch_size])
        if not rows:
            break
        for event in rows:
            count += 1
            if event.seq != expected_seq:
                return ChainReport(count, expected_seq, f"event #{expected_seq} is missing")
            if not hmac.compare_digest(event.prev_mac, prev_mac):
                return ChainReport(count, event.seq, "does not follow the event before it")
            try:
                valid = hmac.compare_digest(event.mac, event_mac(event, prev_mac))
            except CryptoError as error:
                return ChainReport(count, event.seq, f"cannot be checked: {error}")
            if not valid:
                return ChainReport(count, event.seq, "was altered (its MAC does not match)")
            prev_mac, expected_seq = event.mac, event.seq + 1
        last_seq = rows[-1].seq
    head = ChainHead.objects.filter(pk=1).first()
    if head is None:
        if count:
            return ChainReport(count, expected_seq, "the chain's head record is missing")
        return ChainReport(0)
    if head.seq != expected_seq - 1 or not hmac.compare_digest(head.mac, prev_mac):
        return ChainReport(
            count,
            expected_seq,
            f"the chain ends at #{expected_seq - 1} but its head is #{head.seq}",
        )
    if count and not hmac.compare_digest(head.head_mac, head_mac(head.seq, head.mac, head.key_id)):
        return ChainReport(count, head.seq, "the chain's head record was altered")
    return ChainReport(count)
