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
        if settings.MASTER_KEY:
            return Keyring.from_base64(settings.MASTER_KEY)
        path = settings.MASTER_KEY_PATH
        if path.exists():
            return Keyring.load(path)
        from sparekey.accounts.models import Account

        if Account.all_objects.exists():
            needed = Account.all_objects.values_list("key_id", flat=True).first()
            raise KeyringError(
                f"The master key file {path} is missing, but the database holds data sealed "
                f"with key {needed}. Restore the key file from your backup; Sparekey never "
                "creates a new key over existing data."
            )
        return Keyring.load_or_create(path)
