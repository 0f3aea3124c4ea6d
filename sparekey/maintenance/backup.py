"""`sparekey backup`: one consistent snapshot of the database, with a manifest, in one file.

With a passphrase the keyring goes in too, sealed (Argon2id, then AES-256-GCM); without one the
master key must be backed up on its own, since the database alone opens nothing.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.db import transaction

from sparekey.audit import chain
from sparekey.audit.models import Action
from sparekey.crypto import seal_with_passphrase
from sparekey.keys.providers import keyring_lock, load_keyring

from .archive import FORMAT, KEYRING, VERSION, BackupError, sha256_of, write_archive
from .models import BackupRecord
from .snapshot import take_snapshot

MIN_PASSPHRASE = 12


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    manifest: dict[str, Any]


def make_backup(out: Path, *, passphrase: str | None = None) -> Backup:
    """Write a backup to ``out`` (never over an existing file) and record it."""
    out = out.absolute()
    if out.exists():
        raise BackupError(f"{out} already exists; choose a new file name.")
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent} is not a directory.")
    if passphrase is not None and len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(f"The passphrase must be at least {MIN_PASSPHRASE} characters long.")
    # The lock keeps a rotation from changing the keyring between the snapshot and its copy.
    with keyring_lock(), tempfile.TemporaryDirectory(prefix=".sparekey-", dir=out.parent) as work:
        ring = load_keyring()
        snapshot = take_snapshot(Path(work))
        files = {snapshot.path.name: snapshot.path}
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sparekey_version": _sparekey_version(),
            "database": {
                "engine": snapshot.engine,
                "file": snapshot.path.name,
                "sha256": sha256_of(snapshot.path),
                "bytes": snapshot.path.stat().st_size,
            },
            "counts": snapshot.counts,
            "key_ids": snapshot.key_ids,
            "current_key_id": ring.current_id,
            "audit_head": snapshot.audit_head,
            "key": None,
        }
        if passphrase is not None:
            sealed = Path(work) / KEYRING
            document = json.dumps(ring.to_document()).encode()
            sealed.write_bytes(seal_with_passphrase(document, passphrase))
            files[KEYRING] = sealed
            manifest["key"] = {
                "file": KEYRING,
                "sealed_with": "argon2id + aes-256-gcm",
                "key_ids": sorted(ring.keys),
                "held_by": {key_id: ring.kind(key_id) for key_id in sorted(ring.keys)},
            }
        size = write_archive(out, manifest, files)
    with transaction.atomic():
        BackupRecord.objects.create(
            file_name=out.name,
            size=size,
            snapshot_sha256=manifest["database"]["sha256"],
            with_key=passphrase is not None,
            counts=snapshot.counts,
        )
        chain.record(
            Action.BACKUP_MADE,
            detail={"file": out.name, "with_key": passphrase is not None, **snapshot.counts},
        )
    return Backup(out, size, manifest)


def _sparekey_version() -> str:
    try:
        return version("sparekey")
    except PackageNotFoundError:
        return "unknown"
