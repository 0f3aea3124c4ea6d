"""Real `sparekey serve` processes for the API's end-to-end tests.

On SQLite they share a data directory. With SPAREKEY_TEST_DB=postgres they share a database made
for the test (and dropped after it) on the server named by SPAREKEY_TEST_POSTGRES.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from tests.commands.conftest import command_env

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveSparekey:
    def __init__(self, workdir: Path, migrated_data_dir: Path) -> None:
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.env = command_env(self.data_dir)
        self.env.pop("SPAREKEY_REDIS_URL", None)
        self.servers: list[tuple[subprocess.Popen[str], Path]] = []
        self.database: str | None = None
        if os.environ.get("SPAREKEY_TEST_DB") == "postgres":
            self._create_database()
            self.data_dir.mkdir(parents=True)
            self.run("migrate")
        else:
            shutil.copytree(migrated_data_dir, self.data_dir)

    def run(self, *args: str, stdin: str = "") -> str:
        result = subprocess.run(
            [sys.executable, "-m", "sparekey", *args],
            input=stdin,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def add_member(self, email: str, role: str = "user") -> None:
        self.run("adduser", email, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")

    def token(self, email: str, *scopes: str) -> str:
        scope_args = [arg for scope in scopes for arg in ("--scope", scope)]
        return self.run("token", "create", email, "--name", "test", *scope_args).strip()

    def serve(self, **env: str) -> str:
        """Start one more server (one sync worker); return its base URL once it answers."""
        port = free_port()
        log = self.workdir / f"server-{port}.log"
        command = ["serve", "--port", str(port), "--workers", "1", "--no-migrate"]
        with log.open("w") as output:
            server = subprocess.Popen(
                [sys.executable, "-m", "sparekey", *command],
                env=self.env | env,
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
            )
        self.servers.append((server, log))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            try:
                urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=5).close()
                return base
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"{base} did not answer within 60 s:\n{log.read_text()}")

    def verify_audit_chain(self) -> dict[str, Any]:
        """`verify_chain` in a process of its own, on this data directory or database."""
        program = (
            "import django, json; django.setup(); "
            "from sparekey.audit.verify import verify_chain; r = verify_chain(); "
            "print(json.dumps({'ok': r.ok, 'events': r.events, 'problem': r.problem}))"
        )
        result = subprocess.run(
            [sys.executable, "-c", program],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return dict(json.loads(result.stdout))

    def stop(self) -> None:
        for server, _ in self.servers:
            server.terminate()
        for server, _ in self.servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        self.servers.clear()

    def close(self) -> None:
        self.stop()
        if self.database is not None:
            self._drop_database()

    def _create_database(self) -> None:
        import psycopg

        self.database = f"sparekey_api_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self._admin_url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database}"')
        self.env["DATABASE_URL"] = self._admin_url().rsplit("/", 1)[0] + f"/{self.database}"

    def _drop_database(self) -> None:
        import psycopg

        with psycopg.connect(self._admin_url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    @staticmethod
    def _admin_url() -> str:
        return os.environ.get("SPAREKEY_TEST_POSTGRES", DEFAULT_POSTGRES)


def call(
    base: str, method: str, path: str, token: str, body: Any = None
) -> tuple[int, dict[str, Any]]:
    """One API request as a script would make it; (status, JSON body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{base}/api/v1{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
