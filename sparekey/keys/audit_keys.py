"""Looking up the audit chain's MAC keys by the id that events name."""

from __future__ import annotations

from sparekey.crypto import CryptoError, UnknownKey

from .models import AuditKey

# Opened keys by id. An id is derived from its key, so an id always names the same key.
_opened: dict[str, bytes] = {}


def mac_key(key_id: str) -> bytes:
    if (material := _opened.get(key_id)) is not None:
        return material
    row = AuditKey.objects.filter(key_id=key_id).first()
    if row is None:
        raise UnknownKey(key_id)
    material = row.open().material
    _opened[key_id] = material
    return material


def mac_key_opens(key_id: str) -> bool:
    try:
        mac_key(key_id)
    except CryptoError:
        return False
    return True


def current_mac_key_id(head_key_id: str) -> str:
    """The key that authenticates the next event: the chain head's, made on first use.

    Called with a chain's head locked. The first key is made by the workspace's very first
    event, which always holds the workspace chain's head (an account's first event starts its
    chain there), so two processes never make two keys at once.
    """
    if head_key_id in _opened:
        return head_key_id
    row = AuditKey.objects.order_by("-created_at", "-pk").first() or AuditKey.create()
    mac_key(row.key_id)
    return row.key_id
