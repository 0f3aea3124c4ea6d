"""Batch figures: `python -m bench.batch WHAT ARG` (Django set up by env); prints one JSON line.

- ``events N``: append N audit events to the workspace chain, fast but real: each MAC is
  computed by sparekey.audit.chain's own functions under the workspace's audit key, and the head
  row is moved and authenticated as ``record()`` does; `sparekey audit verify` checks them all.
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


def append_events(count: int) -> dict[str, Any]:
    """Append ``count`` login events to the workspace chain, as ``record()`` would chain them."""
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from sparekey.audit import chain
    from sparekey.audit.models import AuditEvent, ChainHead
    from sparekey.keys.audit_keys import current_mac_key_id
    from sparekey.workspace.models import Member

    # Per-account chains (chain, chain_seq, mac_version) when the audit app has them.
    chained = any(field.name == "chain_seq" for field in AuditEvent._meta.fields)
    actors = list(Member.objects.order_by("pk").values_list("pk", "email")[:50])
    # The rows go in as bulk_create would write them (each field's get_db_prep_save), in one
    # executemany per batch: model instances are still built, for event_mac to read.
    fields = [f for f in AuditEvent._meta.concrete_fields if not (f.primary_key and not chained)]
    if chained and connection.vendor != "postgresql":
        fields = [f for f in fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(AuditEvent._meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )

    def prepare(field: Any) -> Any:
        # The generic get_db_prep_save of a DateTimeField is most of the cost: an aware
        # datetime needs only the backend's adapter; a foreign key is its id as it stands.
        if field.get_internal_type() == "DateTimeField":
            return connection.ops.adapt_datetimefield_value
        if field.is_relation:
            return lambda value: value
        return lambda value: field.get_db_prep_save(value, connection)

    preparers = [(f.attname, prepare(f)) for f in fields]

    def insert(rows: list[Any]) -> None:
        values = [[adapt(getattr(row, name)) for name, adapt in preparers] for row in rows]
        with connection.cursor() as cursor:
            cursor.executemany(sql, values)

    started = time.monotonic()
    batch = 5000
    with transaction.atomic():
        if chained:
            head, _ = ChainHead.objects.select_for_update().get_or_create(
                chain=chain.WORKSPACE_CHAIN
            )
        else:
            head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        key_id = current_mac_key_id(head.key_id)
        seq = AuditEvent.objects.aggregate(highest=Max("seq"))["highest"] or 0
        if chained and connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the numbers record() draws from (nextval)
                cursor.execute("SELECT nextval(pg_get_serial_sequence('audit_auditevent', 'id'))")
                seq = max(seq, cursor.fetchone()[0])
        place, mac = head.seq, head.mac
        at = timezone.now() - timedelta(seconds=count)
        for first in range(0, count, batch):
            rows = []
            for n in range(first, min(first + batch, count)):
                seq, place = seq + 1, place + 1
                actor_id, email = actors[n % len(actors)]
                event = AuditEvent(
                    seq=seq,
                    at=at + timedelta(seconds=n),
                    action="login",
                    actor_id=actor_id,
                    actor_email=email,
                    ip="127.0.0.1",
                    detail={},
                    key_id=key_id,
                    prev_mac=mac,
                )
                if chained:
                    event.pk = seq if connection.vendor == "postgresql" else None
                    event.chain, event.chain_seq = chain.WORKSPACE_CHAIN, place
                    event.mac_version = chain.MAC_VERSION
                else:
                    place = seq
                event.mac = mac = chain.event_mac(event, event.prev_mac)
                rows.append(event)
            insert(rows)
        if chained and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), %s)", [seq]
                )
        head.seq, head.mac, head.key_id = place, mac, key_id
        head.head_mac = chain.head_mac(place, mac, key_id)
        head.save(update_fields=["seq", "mac", "key_id", "head_mac"])
    return {
        "events": AuditEvent.objects.count(),
        "seconds": round(time.monotonic() - started, 1),
    }


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
