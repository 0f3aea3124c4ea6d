"""Where this deployment's master keys come from, per the settings, and where a rotation puts
a new one."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet

from sparekey.crypto import Key, Keyring, KeyringError, SealingKey
from sparekey.crypto.pkcs11 import Pkcs11Token

if TYPE_CHECKING:
    from sparekey.accounts.models import Account


class KeySource(StrEnum):
    FILE = "file"
    ENVIRONMENT = "environment"


class KeyKind(StrEnum):
    """Where a new master key is made: in the keyring file, or on the PKCS#11 token."""

    FILE = "file"
    PKCS11 = "pkcs11"


def source() -> KeySource:
    return KeySource.ENVIRONMENT if settings.MASTER_KEY else KeySource.FILE


@cache
def token() -> Pkcs11Token | None:
    if not settings.SPAREKEY_PKCS11_MODULE:
        return None
    return Pkcs11Token(
        settings.SPAREKEY_PKCS11_MODULE,
        settings.SPAREKEY_PKCS11_TOKEN_LABEL,
        settings.SPAREKEY_PKCS11_PIN,
        settings.SPAREKEY_PKCS11_KEY_LABEL,
    )


def load_keyring(*, create: bool = False) -> Keyring:
    """The keyring as the provider has it now. ``create`` makes the first key of a new install
    (on the token when one is configured), never a key over existing data."""
    if settings.MASTER_KEY:
        return Keyring.from_base64(settings.MASTER_KEY)
    path = settings.MASTER_KEY_PATH
    if path.exists() or not create:
        return Keyring.load(path, token())
    if needed := sorted(needed_key_ids()):
        raise KeyringError(
            f"The master key file {path} is missing, but the database holds data sealed with "
            f"key {', '.join(needed)}. Restore the key file from your backup; Sparekey never "
            "creates a new key over existing data."
        )
    hsm = token()
    return Keyring.load_or_create(path, hsm, hsm.generate_key if hsm else Key.generate)


def keyring_version() -> tuple[int, int, int] | None:
    """Changes whenever the keyring file is replaced (a rotation saves a new file)."""
    if settings.MASTER_KEY:
        return None
    try:
        status = os.stat(settings.MASTER_KEY_PATH)
    except FileNotFoundError:
        return None
    return (status.st_ino, status.st_mtime_ns, status.st_size)


def wrapped_data_keys() -> QuerySet[Account]:
    """The accounts that have a data key: a purged account's was destroyed, and it needs no
    master key anymore."""
    from sparekey.accounts.models import Account

    return Account.all_objects.exclude(wrapped_data_key=b"")


def needed_key_ids() -> set[str]:
    """The master keys that wrap something in the database: data keys, audit keys and the keys
    of members' login authenticators."""
    from sparekey.workspace.models import LoginTotp

    from .models import AuditKey

    return (
        set(wrapped_data_keys().values_list("key_id", flat=True).distinct())
        | set(AuditKey.objects.values_list("master_key_id", flat=True).distinct())
        | set(LoginTotp.objects.values_list("master_key_id", flat=True).distinct())
    )


def new_master_key(kind: KeyKind, ring: Keyring) -> SealingKey:
    if kind == KeyKind.PKCS11:
        hsm = token()
        if hsm is None:
            raise KeyringError(
                "No PKCS#11 token is configured: set SPAREKEY_PKCS11_MODULE, "
                "SPAREKEY_PKCS11_TOKEN_LABEL and SPAREKEY_PKCS11_PIN (or _PIN_FILE)."
            )
        return hsm.generate_key(taken=ring.keys)
    key = Key.generate()
    while key.id in ring.keys:
        key = Key.generate()
    return key


def save_keyring(ring: Keyring) -> None:
    if settings.MASTER_KEY:
        raise KeyringError(
            "The master keys come from SPAREKEY_MASTER_KEY, which Sparekey cannot change."
        )
    ring.save(settings.MASTER_KEY_PATH)


@contextmanager
def keyring_lock() -> Iterator[None]:
    """One rotation, retirement or backup at a time: two rotations would each save a keyring
    without the other's new key, and data wrapped by the lost key would never open again; a
    backup must copy the keyring that its snapshot needs."""
    path = settings.DATA_DIR / ".master.key.lock"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise KeyringError(
                "Another `sparekey rotate-key` or `sparekey backup` is running on this data "
                "directory; wait for it to finish."
            ) from None
        yield
    finally:
        os.close(descriptor)
