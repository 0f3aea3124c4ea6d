"""Appending to the audit chain and computing its MACs."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from sparekey.keys.audit_keys import current_mac_key_id, mac_key, mac_key_opens

from .models import Action, AuditEvent, ChainHead

GENESIS_MAC = "0" * 64


def event_mac(event: AuditEvent, prev_mac: str) -> str:
    content = json.dumps(
        [
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
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode()
    # The key is the audit key the event names (sparekey.keys.models.AuditKey), not the master
    # key: the chain must outlive a rotated and retired master key, and a token-held one.
    return hmac.new(mac_key(event.key_id), content, hashlib.sha256).hexdigest()


def head_mac(seq: int, mac: str, key_id: str) -> str:
    return hmac.new(mac_key(key_id), f"head|{seq}|{mac}".encode(), hashlib.sha256).hexdigest()


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
    """Append one event, in the caller's transaction: if the act rolls back, so does its event."""
    actor = actor if actor is not None and actor.is_authenticated else None
    detail = dict(detail or {})
    if token_prefix := getattr(request, "sparekey_token_prefix", None):
        detail["token"] = token_prefix  # an API call names its token by prefix, never the token
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            action=action,
            actor=actor,
            actor_email=actor.email if actor else "",
            account=account,
            account_uuid=account.uuid if account else None,
            account_name=account.name if account else "",
            ip=client_ip(request),
            detail=detail,
            key_id=current_mac_key_id(head.key_id),
            prev_mac=head.mac,
        )
        event.mac = event_mac(event, head.mac)
        event.save()
        head.seq, head.mac, head.key_id = event.seq, event.mac, event.key_id
        head.head_mac = head_mac(head.seq, head.mac, head.key_id)
        head.save(update_fields=["seq", "mac", "key_id", "head_mac"])
    return event
