"""`sparekey restore`: a backup into an empty data directory or database, proven before use.

The backup is checked first (layout, checksums, manifest version, the key it needs), then
restored into a staging place (a directory beside the database file, or a scratch PostgreSQL
database), where a child process opens every sealed value and checks the audit chain (as
`sparekey verify` does), and the counts are compared with the manifest. Only then is it moved
into place. Any failure leaves the target as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from sparekey.audit import chain
from sparekey.audit.models import Action
from sparekey.crypto import CryptoError, Keyring, open_with_passphrase
from sparekey.keys.providers import load_keyring, token

from .archive import KEYRING, Archive, BackupError, open_archive
from .models import Verification
from .snapshot import (
    engine,
    pg_create_database,
    pg_drop_database,
    pg_restore,
    pg_target_problem,
    pg_url,
    sqlite_finish,
    sqlite_path,
    sqlite_target_problem,
)

KEY_FILE = "master.key"


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    report: dict[str, Any]
    key_restored: bool


def restore(path: Path, *, passphrase: Callable[[], str], skip_key: bool = False) -> Restored:
    """Restore the backup at ``path``; ``passphrase`` is asked only if the key is restored."""
    archive = open_archive(path)
    manifest = archive.manifest
    backup_engine = manifest["database"]["engine"]
    if backup_engine != engine():
        raise BackupError(
            f"This is a backup of a {backup_engine} database; the configured database is "
            f"{engine()}. Set DATABASE_URL to match."
        )
    _refuse_non_empty_target()
    ring, from_backup = _keyring_for(archive, passphrase, skip_key)
    if missing := sorted(set(manifest["key_ids"]) - set(ring.keys)):
        where = "the backup's keyring" if from_backup else "the configured key"
        raise BackupError(
            f"The backup needs master key {', '.join(missing)}, which {where} lacks (it holds "
            f"{', '.join(sorted(ring.keys))}). Configure the key the backup was made with."
        )
    with _staging() as staging:
        if from_backup:
            ring.save(staging / KEY_FILE)
        elif not settings.MASTER_KEY:
            shutil.copyfile(settings.MASTER_KEY_PATH, staging / KEY_FILE)
            os.chmod(staging / KEY_FILE, 0o600)
        if backup_engine == "sqlite":
            report = _restore_sqlite(archive, staging, from_backup)
        else:
            report = _restore_postgres(archive, staging, from_backup)
    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        Verification.objects.create(
            ok=True,
            counts={**report["counts"], "audit_keys": report["audit_keys"]},
        )
        chain.record(
            Action.RESTORED,
            detail={
                "backup_created_at": manifest["created_at"],
                "key_restored": from_backup,
                **manifest["counts"],
            },
        )
    return Restored(manifest, report, from_backup)


def _refuse_non_empty_target() -> None:
    problem = sqlite_target_problem() if engine() == "sqlite" else pg_target_problem()
    if problem:
        raise BackupError(problem)


def _keyring_for(
    archive: Archive, passphrase: Callable[[], str], skip_key: bool
) -> tuple[Keyring, bool]:
    key_path: Path = settings.MASTER_KEY_PATH
    if archive.has_key and not skip_key:
        if settings.MASTER_KEY:
            raise BackupError(
                "SPAREKEY_MASTER_KEY is set, so the key in the backup would not be used: unset "
                "it to restore the backup's key file, or pass --skip-key to use the configured "
                "key."
            )
        if key_path.exists():
            raise BackupError(
                f"{key_path} already exists: restore into an empty data directory, or pass "
                "--skip-key to use that key instead of the backup's."
            )
        try:
            document = open_with_passphrase(archive.read(KEYRING), passphrase())
            return Keyring.from_document(
                json.loads(document), "the backup's keyring", token()
            ), True
        except CryptoError as error:
            raise BackupError(str(error)) from None
    if not settings.MASTER_KEY and not key_path.exists():
        hint = "" if archive.has_key else "This backup holds no key. "
        raise BackupError(
            f"{hint}Put the master key in place first: copy master.key from your key backup to "
            f"{key_path} (mode 0600), or set SPAREKEY_MASTER_KEY; then restore again."
        )
    try:
        return load_keyring(), False
    except CryptoError as error:
        raise BackupError(str(error)) from None


@contextmanager
def _staging() -> Iterator[Path]:
    # Beside the database file, so that moving the restored file into place is one link.
    parent = sqlite_path().parent if engine() == "sqlite" else settings.DATA_DIR
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=parent))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _restore_sqlite(archive: Archive, staging: Path, key_from_backup: bool) -> dict[str, Any]:
    staged = staging / "sparekey.sqlite3"
    archive.extract(archive.database_member, staged)
    report = _verify_in_child(archive, staging, None, key_from_backup)
    sqlite_finish(staged)
    with _key_in_place(staging, key_from_backup):
        _refuse_non_empty_target()
        try:
            os.link(staged, sqlite_path())
        except FileExistsError:
            raise BackupError(f"{sqlite_path()} appeared during the restore.") from None
        _sync_directory(sqlite_path().parent)
    return report


def _restore_postgres(archive: Archive, staging: Path, key_from_backup: bool) -> dict[str, Any]:
    dump = staging / archive.database_member
    archive.extract(archive.database_member, dump)
    scratch = f"{str(connection.settings_dict['NAME'])[:30]}_restore_{os.urandom(4).hex()}"
    pg_create_database(scratch)
    try:
        pg_restore(dump, scratch)
        report = _verify_in_child(archive, staging, pg_url(scratch), key_from_backup)
    finally:
        pg_drop_database(scratch)
    with _key_in_place(staging, key_from_backup):
        _refuse_non_empty_target()
        # One transaction: a failure here leaves the target database empty, as it was.
        pg_restore(dump)
    return report


@contextmanager
def _key_in_place(staging: Path, key_from_backup: bool) -> Iterator[None]:
    """Put the backup's keyring in place for the database that follows; take it back if the
    database cannot be put in place."""
    if not key_from_backup:
        yield
        return
    key_path: Path = settings.MASTER_KEY_PATH
    try:
        os.link(staging / KEY_FILE, key_path)
    except FileExistsError:
        raise BackupError(f"{key_path} appeared during the restore.") from None
    _sync_directory(key_path.parent)
    try:
        yield
    except BaseException:
        with suppress(FileNotFoundError):
            key_path.unlink()
        raise


def _verify_in_child(
    archive: Archive, data_dir: Path, database_url: str | None, key_from_backup: bool
) -> dict[str, Any]:
    """Migrate and check the staged copy in a child process that sees only it."""
    env = {
        **os.environ,
        "SPAREKEY_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "sparekey.settings",
    }
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if key_from_backup:
        env.pop("SPAREKEY_MASTER_KEY", None)
        env.pop("SPAREKEY_MASTER_KEY_FILE", None)
    check = subprocess.run(
        [sys.executable, "-m", "sparekey.maintenance.staged_check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report: dict[str, Any] = json.loads(check.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BackupError(
            f"The restored copy cannot be checked: {_last_line(check.stderr)}"
        ) from None
    if "error" in report:
        raise BackupError(f"The restored copy cannot be checked: {report['error']}")
    if not report["ok"]:
        shown = "; ".join(report["problems"][:5])
        raise BackupError(
            f"The restored copy failed verification ({len(report['problems'])} problems): {shown}"
        )
    expected = archive.manifest["counts"]
    found = {name: report[name] for name in expected}
    if found != expected:
        raise BackupError(
            f"The restored copy holds {found}, but the backup's manifest says {expected}."
        )
    return {**report, "counts": found}


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no reason given"


def _sync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
