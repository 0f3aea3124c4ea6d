"""The running process's keyring, loaded from the configured provider once."""

from __future__ import annotations

import threading
from functools import cache

from django.conf import settings

from sparekey.crypto import Keyring, KeyringError

_lock = threading.Lock()


@cache
def keyring() -> Keyring:
    with _lock:
        ring = _load()
        _check_covers_data(ring)
        return ring


def _check_covers_data(ring: Keyring) -> None:
    """Refuse a keyring that lacks a key the stored data keys were wrapped with."""
    from sparekey.accounts.models import Account

    needed = set(Account.all_objects.values_list("key_id", flat=True).distinct())
    if missing := sorted(needed - set(ring.keys)):
        raise KeyringError(
            f"The master key in use ({ring.current_id}) is not the one the data was sealed "
            f"with: the database needs key {', '.join(missing)}. Configure that key "
            "(SPAREKEY_MASTER_KEY or the key file from your backup)."
        )


def _load() -> Keyring:
    if settings.MASTER_KEY:
        return Keyring.from_base64(settings.MASTER_KEY)
    path = settings.MASTER_KEY_PATH
    if path.exists():
        return Keyring.load(path)
    from sparekey.accounts.models import Account

    if needed := Account.all_objects.values_list("key_id", flat=True).first():
        raise KeyringError(
            f"The master key file {path} is missing, but the database holds data sealed with "
            f"key {needed}. Restore the key file from your backup; Sparekey never creates a "
            "new key over existing data."
        )
    return Keyring.load_or_create(path)
