"""Vaults for the maintenance tests: a data directory, and on PostgreSQL a database of its own,
used by the real `sparekey` command in subprocesses, the way an operator would run it.

SPAREKEY_TEST_DB=postgres puts each vault in a fresh database on the test server (created from
a migrated template, dropped afterwards); otherwise the vault is SQLite in its data directory.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("SPAREKEY_TEST_DB") == "postgres"
SERVER = os.environ.get("SPAREKEY_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def server_url(database: str) -> str:
    return SERVER.rsplit("/", 1)[0] + "/" + database


def pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        conn.execute(statement)


def base_env(data_dir: Path, database: str | None) -> dict[str, str]:
    env = {**os.environ, "SPAREKEY_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    env["DJANGO_SETTINGS_MODULE"] = "sparekey.settings"
    env["SPAREKEY_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    env["SPAREKEY_REVEALS_PER_HOUR"] = "1000000"
    for name in ("DATABASE_URL", "SPAREKEY_TEST_DB", "SPAREKEY_MASTER_KEY"):
        env.pop(name, None)
    if database:
        env["DATABASE_URL"] = server_url(database)
    return env


@dataclass
class Vault:
    data_dir: Path
    database: str | None
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env = base_env(self.data_dir, self.database)

    @property
    def key_file(self) -> Path:
        return self.data_dir / "master.key"

    def run(
        self, *args: str, stdin: str = "", timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sparekey", *args],
            input=stdin,
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def script(self, *args: str) -> Any:
        result = subprocess.run(
            [sys.executable, "-m", "tests.maintenance.vault", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    def popen(self, *args: str, script: bool = False, **kwargs: Any) -> subprocess.Popen[str]:
        module = "tests.maintenance.vault" if script else "sparekey"
        return subprocess.Popen(
            [sys.executable, "-m", module, *args],
            env=self.env,
            cwd=ROOT,
            text=True,
            **kwargs,
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.database:
            import psycopg

            with psycopg.connect(server_url(self.database)) as conn:
                return list(conn.execute(sql).fetchall())
        database = sqlite3.connect(self.data_dir / "sparekey.sqlite3", timeout=30)
        try:
            return list(database.execute(sql).fetchall())
        finally:
            database.close()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """A write behind Sparekey's back (``%s`` placeholders on both databases)."""
        if self.database:
            import psycopg

            with psycopg.connect(server_url(self.database)) as conn:
                conn.execute(sql, params)
            return
        database = sqlite3.connect(self.data_dir / "sparekey.sqlite3", timeout=30)
        try:
            database.execute(sql.replace("%s", "?"), params)
            database.commit()
        finally:
            database.close()

    def keyring(self) -> tuple[str, list[str]]:
        """The keyring file's current key id and all its key ids."""
        document = json.loads(self.key_file.read_text())
        return document["current"], [entry["id"] for entry in document["keys"]]

    def needed_key_ids(self) -> set[str]:
        rows = self.query(
            "SELECT key_id FROM accounts_account WHERE LENGTH(wrapped_data_key) > 0 "
            "UNION SELECT master_key_id FROM keys_auditkey"
        )
        return {row[0] for row in rows}

    def state(self) -> Any:
        """Everything a restore could have touched: the data directory's files and contents, and
        on PostgreSQL the database's tables."""
        files = {
            str(path.relative_to(self.data_dir)): path.read_bytes()
            for path in sorted(self.data_dir.rglob("*"))
            if path.is_file()
        }
        tables = (
            self.query(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            )
            if self.database
            else []
        )
        return files, sorted(tables)


def wait_for_log(log: Path, lines: int, process: subprocess.Popen[str]) -> None:
    """Until ``process`` (the workload) has logged ``lines`` lines."""
    while not log.exists() or len(log.read_text().splitlines()) < lines:
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)


@pytest.fixture(scope="session")
def migrated_template(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, str | None]]:
    """A migrated data directory (and database) that each vault starts from a copy of."""
    data_dir = tmp_path_factory.mktemp("vault-template") / "data"
    template = f"sk_template_{uuid.uuid4().hex[:12]}" if POSTGRES else None
    if template:
        pg_admin(f'CREATE DATABASE "{template}"')
    try:
        result = subprocess.run(
            [sys.executable, "-m", "sparekey", "migrate", "--verbosity", "0"],
            env=base_env(data_dir, template),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        (data_dir / "secret.key").unlink()
        yield data_dir, template
    finally:
        if template:
            pg_admin(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')


class Vaults:
    """Makes vaults under ``base``; ``drop()`` removes their databases."""

    def __init__(self, base: Path, template: tuple[Path, str | None]) -> None:
        self.base = base
        self.template = template
        self.databases: list[str] = []

    def __call__(self, *, empty: bool = False) -> Vault:
        """A migrated vault with no key yet; ``empty=True``: an empty data directory and an
        empty database, the target of a restore. Both hold a secret.key, which any run of the
        command would otherwise create first."""
        template_dir, template_db = self.template
        data_dir = self.base / f"vault-{uuid.uuid4().hex[:8]}" / "data"
        database = None
        if POSTGRES:
            database = f"sk_vault_{uuid.uuid4().hex[:12]}"
            source = "" if empty else f' TEMPLATE "{template_db}"'
            pg_admin(f'CREATE DATABASE "{database}"{source}')
            self.databases.append(database)
        if empty:
            data_dir.mkdir(parents=True, mode=0o700)
        else:
            shutil.copytree(template_dir, data_dir)
        (data_dir / "secret.key").write_text(uuid.uuid4().hex)
        (data_dir / "secret.key").chmod(0o600)
        return Vault(data_dir, database)

    def drop(self) -> None:
        for database in self.databases:
            pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def make_vault(tmp_path: Path, migrated_template: tuple[Path, str | None]) -> Iterator[Vaults]:
    vaults = Vaults(tmp_path, migrated_template)
    yield vaults
    vaults.drop()


@pytest.fixture
def vault(make_vault: Vaults) -> Vault:
    return make_vault()


@pytest.fixture
def own_keyring(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """A key file of this test's own, for tests that rotate in this process: the suite's key
    file stays as it was."""
    from sparekey.keys import keyring
    from sparekey.keys.providers import token

    data_dir = tmp_path / "keys"
    data_dir.mkdir(mode=0o700)
    settings.DATA_DIR = data_dir
    settings.MASTER_KEY_PATH = data_dir / "master.key"
    settings.MASTER_KEY = ""
    keyring.cache_clear()
    token.cache_clear()
    yield data_dir
    keyring.cache_clear()
    token.cache_clear()
