"""Appending to the audit chains and computing their MACs.

Every account's events form a chain of their own; events of no account form the workspace
chain. An append locks its own chain's head row and no other, so that appends to different
accounts go on at once (one row for everything capped the whole workspace at one append per
commit round trip; docs/audit-chain.md has the figures). What one global chain gave and this
keeps:

- each event's MAC covers its chain, its place in the chain (``chain_seq``), its workspace-wide
  ``seq`` and the MAC of the event before it in the chain, so an event cannot be edited,
  inserted, deleted, reordered or moved to another chain without the key;
- every chain's head row is authenticated (``head_mac``), so a chain's tail cannot be cut off;
- a chain is started by a ``chain_opened`` event on the workspace chain, in the same
  transaction, so a whole chain deleted (events and head row) is missed by `audit verify` only
  if that event goes too, which breaks the workspace chain.

Lock order: an account's head, then (only to start a chain, once per account) the workspace
head. Workspace events take only the workspace head.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.http import HttpRequest

from sparekey.keys.audit_keys import current_mac_key_id, mac_key, mac_key_opens

from .models import Action, AuditEvent, ChainHead

GENESIS_MAC = "0" * 64
WORKSPACE_CHAIN = ""
# Events recorded before the chains were split: their MAC does not cover the chain (migration
# 0007 keeps them as the start of the workspace chain).
LEGACY_MAC_VERSION = 1
MAC_VERSION = 2


# One encoder for every MAC (json.dumps with options builds a new one per call); the same
# canonical form as json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=True).
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def event_mac(event: AuditEvent, prev_mac: str) -> str:
    fields: list[Any] = [
        event.seq,
        event.at.isoformat(),
        event.action,
        event.actor_id,
        event.actor_email,
        str(event.account_uuid or ""),
        event.account_name,
        event.ip or "",
        event.detail,
        event.key_id,
        prev_mac,
    ]
    if event.mac_version != LEGACY_MAC_VERSION:
        # Any version but the legacy one is MACed as the current one: a version field rewritten
        # to something else is then an altered event, not a crash.
        fields = [MAC_VERSION, event.chain, event.chain_seq, *fields]
    content = _CANONICAL_JSON.encode(fields).encode()
    # The key is the audit key the event names (sparekey.keys.models.AuditKey), not the master
    # key: the chain must outlive a rotated and retired master key, and a token-held one.
    return hmac.digest(mac_key(event.key_id), content, "sha256").hex()


def head_mac(seq: int, mac: str, key_id: str, chain: str = WORKSPACE_CHAIN) -> str:
    # The workspace chain keeps the format of the single chain it continues, so that the head
    # migrated from it still checks; an account's head names its chain, so that it cannot be
    # copied onto another chain.
    label = f"head|{seq}|{mac}" if chain == WORKSPACE_CHAIN else f"head|{chain}|{seq}|{mac}"
    return hmac.new(mac_key(key_id), label.encode(), hashlib.sha256).hexdigest()


def mac_key_known(key_id: str) -> bool:
    """Whether the audit key with this id exists and opens with the master keys loaded."""
    return mac_key_opens(key_id)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address; behind a proxy, the one the proxy saw (the last X-Forwarded-For).

    Only the last entry is trusted: a client can put anything in front of it.
    """
    if request is None:
        return None
    if settings.BEHIND_PROXY and (forwarded := request.META.get("HTTP_X_FORWARDED_FOR")):
        return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: Action,
    *,
    actor: Any = None,
    account: Any = None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event, in the caller's transaction: if the act rolls back, so does its event.

    An event of an account goes on that account's chain, any other on the workspace chain.
    """
    actor = actor if actor is not None and actor.is_authenticated else None
    detail = dict(detail or {})
    if token_prefix := getattr(request, "sparekey_token_prefix", None):
        detail["token"] = token_prefix  # an API call names its token by prefix, never the token
    # No savepoint of its own: two round trips less on every audited write, and an append that
    # fails fails the caller's transaction as a whole, which is what the caller wants anyway.
    with transaction.atomic(savepoint=False):
        if account is None:
            head = _locked_workspace_head()
        else:
            head = _locked_account_head(account, actor)
        event = AuditEvent(
            action=action,
            actor=actor,
            actor_email=actor.email if actor else "",
            account=account,
            account_uuid=account.uuid if account else None,
            account_name=account.name if account else "",
            ip=client_ip(request),
            detail=detail,
        )
        _append(head, event)
    return event


def _locked_workspace_head() -> ChainHead:
    head, _ = ChainHead.objects.select_for_update().get_or_create(chain=WORKSPACE_CHAIN)
    return head


def _locked_account_head(account: Any, actor: Any) -> ChainHead:
    chain = str(account.uuid)
    if (head := ChainHead.objects.select_for_update().filter(chain=chain).first()) is not None:
        return head
    # The account's first event: start its chain on the workspace chain. Holding the workspace
    # head also makes two first events of one account queue, so only one starts the chain.
    workspace = _locked_workspace_head()
    if (head := ChainHead.objects.select_for_update().filter(chain=chain).first()) is not None:
        return head  # started by another process while this one waited for the workspace head
    head = ChainHead.objects.create(chain=chain)
    # Workspace bookkeeping, not an act on the account: the account is named only in the detail,
    # so that the account's own activity (the page, the API's filter) shows what was done to it.
    opened = AuditEvent(
        action=Action.CHAIN_OPENED,
        actor=actor,
        actor_email=actor.email if actor else "",
        detail={"chain": chain},
    )
    _append(workspace, opened)
    return head


def _append(head: ChainHead, event: AuditEvent) -> None:
    """Put ``event`` at the end of ``head``'s chain; ``head`` is locked by this transaction."""
    event.seq = _next_seq()
    if connection.vendor == "postgresql":
        event.pk = event.seq  # drawn from the id column's own sequence
    event.chain = head.chain
    event.chain_seq = head.seq + 1
    event.mac_version = MAC_VERSION
    event.key_id = current_mac_key_id(head.key_id)
    event.prev_mac = head.mac
    event.mac = event_mac(event, head.mac)
    event.save(force_insert=True)
    head.seq, head.mac, head.key_id = event.chain_seq, event.mac, event.key_id
    head.head_mac = head_mac(head.seq, head.mac, head.key_id, head.chain)
    head.save(update_fields=["seq", "mac", "key_id", "head_mac"])


def _next_seq() -> int:
    """The workspace-wide number of the next event, without a lock every append shares.

    PostgreSQL: the id column's sequence, which never hands out a number twice (one that a
    rolled-back append took is skipped; chains have no gaps, ``seq`` may). Within one chain the
    numbers rise, since an append draws its number after locking the chain's head. SQLite has
    one writer at a time (IMMEDIATE transactions), so the next number is the highest plus one.
    """
    if connection.vendor == "postgresql":
        table = AuditEvent._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
            (value,) = cursor.fetchone()
        return int(value)
    highest = AuditEvent.objects.aggregate(highest=Max("seq"))["highest"] or 0
    return max(highest, 0) + 1
