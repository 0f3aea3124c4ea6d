"""Rotating the master key: a new key becomes current, and every wrapped key is rewrapped.

The order is what makes it safe to kill at any moment (SIGKILL included) and run again:

1. The keyring with the new key, made current, is saved (atomically, fsynced) before anything is
   wrapped with that key; the older keys stay in it, so everything opens at every step.
2. Wrapped keys are rewrapped in batches, each in one transaction that updates a wrapped key and
   the id of its master key together. Codes are sealed with the data keys and are not touched.
3. A rerun finds what is still wrapped by another key than the current one and carries on; a new
   key is only made when nothing is left behind.

Retiring a key removes it from the keyring only when nothing is wrapped by it anymore.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from sparekey.accounts.models import Account
from sparekey.audit import chain
from sparekey.audit.models import Action
from sparekey.crypto import CryptoError, Keyring, KeyringError
from sparekey.keys import keyring
from sparekey.keys.models import AuditKey
from sparekey.keys.providers import (
    KeyKind,
    KeySource,
    keyring_lock,
    load_keyring,
    needed_key_ids,
    new_master_key,
    save_keyring,
    source,
    token,
    wrapped_data_keys,
)
from sparekey.workspace import two_step
from sparekey.workspace.models import LoginTotp

BATCH_SIZE = 200
Progress = Callable[[int, int], None]


class RotationRefused(Exception):
    pass


@dataclass
class Rotation:
    current_id: str
    kind: str
    resumed: bool
    old_ids: list[str] = field(default_factory=list)
    rewrapped: int = 0
    # Wrapped keys that did not open (by account uuid, or "audit key ID"); they keep their key.
    failed: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.failed


def behind(current_id: str) -> int:
    """How many wrapped keys another master key than ``current_id`` still wraps."""
    return (
        wrapped_data_keys().exclude(key_id=current_id).count()
        + AuditKey.objects.exclude(master_key_id=current_id).count()
        + LoginTotp.objects.exclude(master_key_id=current_id).count()
    )


def rotate(
    to: KeyKind | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress = lambda done, total: None,
) -> Rotation:
    """Make a new master key current (of kind ``to``, else the current key's kind) and rewrap
    every data key and audit key with it; or finish a rotation that was interrupted."""
    with keyring_lock():
        ring = load_keyring()
        if missing := sorted(needed_key_ids() - set(ring.keys)):
            raise KeyringError(
                f"The keyring lacks key {', '.join(missing)}, which the data needs; configure "
                "it before rotating."
            )
        resumed = behind(ring.current_id) > 0 and (to is None or ring.kind(ring.current_id) == to)
        if not resumed:
            if source() == KeySource.ENVIRONMENT:
                raise RotationRefused(
                    "The master keys come from SPAREKEY_MASTER_KEY, which Sparekey cannot "
                    "change. Put a new key first in it (`openssl rand -base64 32`), keep the "
                    "old ones after it, restart Sparekey, then run `sparekey rotate-key` to "
                    "rewrap the data keys."
                )
            kind = to or KeyKind(ring.kind(ring.current_id))
            ring = ring.with_current(new_master_key(kind, ring))
            save_keyring(ring)
        keyring().reload()
        old_ids = sorted(key_id for key_id in ring.keys if key_id != ring.current_id)
        rotation = Rotation(ring.current_id, ring.kind(ring.current_id), resumed, old_ids)
        _rewrap_all(ring, rotation, batch_size, progress)
        with transaction.atomic():
            chain.record(
                Action.KEY_ROTATED,
                detail={
                    "key": rotation.current_id,
                    "held_by": rotation.kind,
                    "rewrapped": rotation.rewrapped,
                    "resumed": rotation.resumed,
                    "failed": len(rotation.failed),
                },
            )
        return rotation


def _rewrap_all(ring: Keyring, rotation: Rotation, batch_size: int, progress: Progress) -> None:
    total = behind(ring.current_id)
    progress(0, total)
    for row in AuditKey.objects.exclude(master_key_id=ring.current_id):
        with transaction.atomic():
            old_master_key_id = row.master_key_id
            try:
                row.wrap(ring, row.open(ring))
            except CryptoError:
                rotation.failed.append(f"audit key {row.key_id}")
                continue
            AuditKey.objects.filter(pk=row.pk, master_key_id=old_master_key_id).update(
                wrapped_key=row.wrapped_key, master_key_id=row.master_key_id
            )
        rotation.rewrapped += 1
        progress(rotation.rewrapped, max(total, rotation.rewrapped))
    # Members' login authenticators: few, one row each; a row changed meanwhile (reset, turned
    # off, rewrapped at a login) is left to what changed it.
    for login_totp in LoginTotp.objects.exclude(master_key_id=ring.current_id):
        try:
            rewrapped = two_step.rewrap(login_totp, ring)
        except CryptoError:
            rotation.failed.append(f"login authenticator of member {login_totp.member_id}")
            continue
        rotation.rewrapped += rewrapped
        progress(rotation.rewrapped, max(total, rotation.rewrapped))
    # Passes over the accounts by primary key until one finds nothing left: an account that a
    # server created with the old key meanwhile is caught by the next pass.
    while True:
        rewrapped_before = rotation.rewrapped
        after = 0
        while (after := _rewrap_batch(ring, rotation, after, batch_size)) > 0:
            progress(rotation.rewrapped, max(total, rotation.rewrapped))
        if rotation.rewrapped == rewrapped_before:
            break
    progress(rotation.rewrapped, max(total, rotation.rewrapped))


def _rewrap_batch(ring: Keyring, rotation: Rotation, after: int, batch_size: int) -> int:
    """Rewrap the next batch of data keys after primary key ``after``; return the last primary
    key seen (0 when there was none)."""
    with transaction.atomic():
        batch = list(
            wrapped_data_keys()
            .select_for_update()
            .filter(pk__gt=after)
            .exclude(key_id=ring.current_id)
            .order_by("pk")
            .values_list("pk", "uuid", "wrapped_data_key", "key_id")[:batch_size]
        )
        rewrapped = []
        for pk, uuid, wrapped, key_id in batch:
            try:
                data_key = ring.unwrap_data_key(bytes(wrapped), uuid)
            except CryptoError:
                if str(uuid) not in rotation.failed:
                    rotation.failed.append(str(uuid))
                continue
            rewrapped.append((ring.wrap_data_key(data_key, uuid), ring.current_id, pk, key_id))
        if rewrapped:
            # Plain SQL: bulk_update's CASE expressions cost more than the cryptography. The
            # wrapped key and its key id change together, and only where the row still holds
            # the key that was read.
            with connection.cursor() as cursor:
                cursor.executemany(_rewrap_sql(), rewrapped)
    rotation.rewrapped += len(rewrapped)
    return batch[-1][0] if batch else 0


def _rewrap_sql() -> str:
    table = connection.ops.quote_name(Account._meta.db_table)  # our model's, never input
    return (
        f"UPDATE {table} SET wrapped_data_key = %s, key_id = %s "  # noqa: S608
        "WHERE id = %s AND key_id = %s"
    )


@dataclass(frozen=True)
class Retirement:
    key_id: str
    kind: str
    environment: bool


def retire(key_id: str) -> Retirement:
    """Remove a master key from the keyring, refused while anything is still wrapped by it."""
    with keyring_lock():
        ring = load_keyring()
        if key_id not in ring.keys:
            raise RotationRefused(f"The keyring has no key {key_id} (it holds {_ids(ring)}).")
        if key_id == ring.current_id:
            raise RotationRefused(
                f"Key {key_id} is the current master key: run `sparekey rotate-key` first."
            )
        kind = ring.kind(key_id)
        with transaction.atomic():
            # The write lock (SQLite's IMMEDIATE transaction, a table lock on PostgreSQL) keeps
            # a data key from being wrapped by the old key between the count and the save.
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    table = Account._meta.db_table
                    cursor.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
            data_keys = wrapped_data_keys().filter(key_id=key_id).count()
            audit_keys = AuditKey.objects.filter(master_key_id=key_id).count()
            login_keys = LoginTotp.objects.filter(master_key_id=key_id).count()
            if data_keys or audit_keys or login_keys:
                raise RotationRefused(
                    f"Key {key_id} still wraps {data_keys} data key{'s' * (data_keys != 1)}, "
                    f"{audit_keys} audit key{'s' * (audit_keys != 1)} and {login_keys} login "
                    f"authenticator key{'s' * (login_keys != 1)}: run "
                    "`sparekey rotate-key` to finish the rotation, then retire it."
                )
            environment = source() == KeySource.ENVIRONMENT
            if not environment:
                save_keyring(ring.without(key_id))
            chain.record(Action.KEY_RETIRED, detail={"key": key_id, "held_by": kind})
        if not environment:
            keyring().reload()
        return Retirement(key_id, kind, environment)


def token_key_label() -> str:
    hsm = token()
    return hsm.key_label if hsm else ""


def _ids(ring: Keyring) -> str:
    return ", ".join(sorted(ring.keys))
