"""Batch figures: `python -m bench.batch WHAT ARG` (Django set up by env); prints one JSON line.

- ``events N``: append N audit events to the chain, fast but real: each MAC is computed by
  sparekey.audit.chain's own functions, under the workspace's audit key, and the head row is
  moved and authenticated as ``record()`` does; so `sparekey audit verify` checks them for real.
- ``paste N``: save a 100-code paste N times through save_codes (parse, seal, audit, notices).
- ``corpus DIR``: parse every pasted-codes layout of the corpus, repeatedly for about a second.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import django

ACTIONS = ("code_used", "codes_viewed", "login", "codes_saved")


def append_events(count: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from sparekey.accounts.models import Account
    from sparekey.audit.chain import event_mac, head_mac
    from sparekey.audit.models import AuditEvent, ChainHead
    from sparekey.keys.audit_keys import current_mac_key_id
    from sparekey.workspace.models import Member

    actors = list(Member.objects.order_by("pk")[:50])
    accounts = list(Account.objects.order_by("pk")[:500])
    started = time.monotonic()
    batch = 5000
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        key_id = current_mac_key_id(head.key_id)
        seq, mac = head.seq, head.mac
        at = timezone.now() - timedelta(seconds=count)
        while seq - head.seq < count:
            rows = []
            for _ in range(min(batch, count - (seq - head.seq))):
                seq += 1
                actor, account = actors[seq % len(actors)], accounts[seq % len(accounts)]
                event = AuditEvent(
                    seq=seq,
                    at=at + timedelta(seconds=seq - head.seq),
                    action=ACTIONS[seq % len(ACTIONS)],
                    actor=actor,
                    actor_email=actor.email,
                    account=account,
                    account_uuid=account.uuid,
                    account_name=account.name,
                    ip="127.0.0.1",
                    detail={"position": seq % 10 + 1, "unused": seq % 10},
                    key_id=key_id,
                    prev_mac=mac,
                )
                event.mac = mac = event_mac(event, event.prev_mac)
                rows.append(event)
            AuditEvent.objects.bulk_create(rows)
        head.seq, head.mac, head.key_id = seq, mac, key_id
        head.head_mac = head_mac(seq, mac, key_id)
        head.save(update_fields=["seq", "mac", "key_id", "head_mac"])
    return {"events": seq, "seconds": round(time.monotonic() - started, 1)}


def save_pastes(count: int) -> dict[str, Any]:
    from sparekey.accounts.models import Account
    from sparekey.backup_codes.services import save_codes
    from sparekey.workspace.models import Member

    from .seed import code_paste

    owner = Member.objects.get(email="claimer-00@bench.example")
    account = Account.objects.get(name="Viewed 00")
    started = time.perf_counter()
    for n in range(count):
        save_codes(owner, account, code_paste(100, f"paste{n}"))
    seconds = time.perf_counter() - started
    save_codes(owner, account, code_paste(10, "view0"))  # as the view scenario found it
    return {"saves": count, "seconds": seconds}


def parse_corpus(directory: Path) -> dict[str, Any]:
    from sparekey.backup_codes.parser import PasteRefused, parse_codes

    texts = [path.read_text() for path in sorted(directory.glob("*.txt"))]
    parsed = 0
    started = time.perf_counter()
    while time.perf_counter() - started < 1.0:
        for text in texts:
            try:
                parse_codes(text)
            except PasteRefused:
                pass  # a layout the corpus expects refused: refusing it is the work
            parsed += 1
    return {"layouts": len(texts), "parsed": parsed, "seconds": time.perf_counter() - started}


def main() -> None:
    what, argument = sys.argv[1], sys.argv[2]
    django.setup()
    if what == "events":
        result = append_events(int(argument))
    elif what == "paste":
        result = save_pastes(int(argument))
    elif what == "corpus":
        result = parse_corpus(Path(argument))
    else:
        raise SystemExit(f"unknown batch {what!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
