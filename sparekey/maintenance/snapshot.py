"""Consistent copies of the live database, and restoring them, per database engine.

SQLite: the online backup API copies the database in one read transaction, so a server that
keeps writing (WAL) is neither stopped nor seen half-way. PostgreSQL: pg_dump --format=custom in
a snapshot exported from a REPEATABLE READ transaction, in which the manifest's counts are taken
too, so the counts describe exactly the rows dumped.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connection
from django.db.models import Model

from sparekey.accounts.models import Account
from sparekey.audit.models import AuditEvent
from sparekey.backup_codes.models import BackupCode, CodeSet
from sparekey.keys.models import AuditKey
from sparekey.workspace.models import LoginTotp

from .archive import DATABASE_MEMBERS, BackupError


@dataclass(frozen=True)
class Snapshot:
    path: Path
    engine: str
    counts: dict[str, int]
    key_ids: list[str]
    audit_head: dict[str, Any]


def engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def take_snapshot(work: Path) -> Snapshot:
    if engine() == "postgresql":
        return _postgres_snapshot(work / DATABASE_MEMBERS["postgresql"])
    return _sqlite_snapshot(work / DATABASE_MEMBERS["sqlite"])


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


COUNTED = {
    "accounts": Account,
    "code_sets": CodeSet,
    "codes": BackupCode,
    "audit_events": AuditEvent,
}


def _describe(cursor: Any, path: Path, name: str) -> Snapshot:
    """Counts, key ids and chain head, in plain SQL: the same queries run on a snapshot file, in
    an exported PostgreSQL snapshot and on a restored copy, none of them the ORM's connection.
    Table names are our models' own, never input."""
    counts = {}
    for label, model in COUNTED.items():
        cursor.execute(f"SELECT COUNT(*) FROM {_table(model)}")  # noqa: S608
        counts[label] = int(cursor.fetchone()[0])
    cursor.execute(
        f"SELECT key_id FROM {_table(Account)} WHERE LENGTH(wrapped_data_key) > 0 "  # noqa: S608
        f"UNION SELECT master_key_id FROM {_table(AuditKey)} "
        f"UNION SELECT master_key_id FROM {_table(LoginTotp)}"
    )
    key_ids = sorted(str(row[0]) for row in cursor.fetchall())
    # The newest event of the whole log (every account has a chain of its own: the workspace
    # chain's head alone would not say how far the log reaches).
    cursor.execute(
        f"SELECT seq, mac FROM {_table(AuditEvent)} ORDER BY seq DESC LIMIT 1"  # noqa: S608
    )
    head = cursor.fetchone()
    audit_head = {"seq": int(head[0]), "mac": str(head[1])} if head else {"seq": 0, "mac": ""}
    return Snapshot(path, name, counts, key_ids, audit_head)


# SQLite ------------------------------------------------------------------------------------------


def sqlite_path() -> Path:
    return Path(connection.settings_dict["NAME"])


def _sqlite_snapshot(destination: Path) -> Snapshot:
    source_path = sqlite_path()
    if not source_path.exists():
        raise BackupError(f"There is no database at {source_path} to back up.")
    source = sqlite3.connect(source_path, timeout=20)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
        # The copy stands alone: no WAL file beside it to lose.
        target.execute("PRAGMA journal_mode=DELETE")
        snapshot = _describe(target.cursor(), destination, "sqlite")
    finally:
        target.close()
        source.close()
    return snapshot


def sqlite_target_problem() -> str | None:
    path = sqlite_path()
    for candidate in (path, path.with_name(path.name + "-wal")):
        if candidate.exists():
            return (
                f"{candidate} exists: restore only into an empty data directory (move the old "
                "database away first)."
            )
    return None


def sqlite_describe(path: Path) -> Snapshot:
    database = sqlite3.connect(path)
    try:
        return _describe(database.cursor(), path, "sqlite")
    finally:
        database.close()


def sqlite_finish(staged: Path) -> None:
    """Fold the staged copy's WAL back into the file, so that one file is moved into place."""
    database = sqlite3.connect(staged)
    try:
        database.execute("PRAGMA journal_mode=DELETE")
    finally:
        database.close()


# PostgreSQL --------------------------------------------------------------------------------------


def _pg_environment(name: str | None = None) -> dict[str, str]:
    """libpq's environment for the configured server: the password never goes in argv."""
    settings_dict = connection.settings_dict
    env = {**os.environ, "PGDATABASE": name or str(settings_dict["NAME"])}
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if value := settings_dict.get(key):
            env[variable] = str(value)
    if sslmode := settings_dict.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = str(sslmode)
    return env


def pg_url(name: str) -> str:
    """A DATABASE_URL for another database on the configured server (for a child process)."""
    settings_dict = connection.settings_dict
    credentials = quote(str(settings_dict.get("USER") or ""), safe="")
    if password := settings_dict.get("PASSWORD"):
        credentials += ":" + quote(str(password), safe="")
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or 5432
    url = f"postgres://{credentials}@{host}:{port}/{quote(name, safe='')}"
    if sslmode := settings_dict.get("OPTIONS", {}).get("sslmode"):
        url += f"?sslmode={sslmode}"
    return url


def _client(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise BackupError(
            f"{program} is not installed (Debian: apt-get install postgresql-client)."
        )
    return found


def _run(arguments: Sequence[str], env: dict[str, str]) -> None:
    result = subprocess.run(arguments, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(arguments[0]).name} failed: {result.stderr.strip()[-2000:]}")


@contextmanager
def _pg_connection(name: str | None = None, *, autocommit: bool = False) -> Iterator[Any]:
    import psycopg

    settings_dict = connection.settings_dict
    conn = psycopg.connect(
        dbname=name or settings_dict["NAME"],
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        autocommit=autocommit,
    )
    try:
        yield conn
    finally:
        conn.close()


def _postgres_snapshot(destination: Path) -> Snapshot:
    import psycopg

    with _pg_connection() as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            exported = cursor.fetchone()[0]
            snapshot = _describe(cursor, destination, "postgresql")
            # pg_dump reads the very snapshot the counts were taken in, while it stays open.
            _run(
                [
                    _client("pg_dump"),
                    "--format=custom",
                    f"--snapshot={exported}",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={destination}",
                ],
                _pg_environment(),
            )
        conn.rollback()
    return snapshot


def pg_target_problem(name: str | None = None) -> str | None:
    with _pg_connection(name) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        tables = int(cursor.fetchone()[0])
    if tables:
        return (
            f"The database {name or connection.settings_dict['NAME']} has {tables} tables: restore "
            "only into an empty database (create a new one, or drop this one's tables first)."
        )
    return None


def pg_restore(dump: Path, name: str | None = None) -> None:
    _run(
        [
            _client("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--no-comments",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={name or connection.settings_dict['NAME']}",
            str(dump),
        ],
        _pg_environment(name),
    )


def pg_create_database(name: str) -> None:
    with _pg_connection(autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def pg_drop_database(name: str) -> None:
    with _pg_connection(autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_describe(name: str) -> Snapshot:
    with _pg_connection(name) as conn, conn.cursor() as cursor:
        return _describe(cursor, Path(name), "postgresql")
