"""Where a thief looks: the database file (with its -wal and -shm), a PostgreSQL dump, the logs.

Canary tests save a recognisable secret through the real pages, then search every place a copy
could land for it. ``stored_copies`` gathers those places; ``assert_nowhere`` searches them.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection


def stored_copies(
    table: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> dict[str, bytes]:
    """Every copy of the data at rest and every log line so far, by name. ``table`` must appear
    in the dump, which proves the dump really holds the rows that were searched."""
    copies: dict[str, bytes] = {}
    if connection.vendor == "sqlite":
        connection.close()
        database = Path(settings.DATABASES["default"]["TEST"]["NAME"])
        for path in database.parent.glob(database.name + "*"):  # the file, -wal and -shm
            copies[path.name] = path.read_bytes()
        assert database.name in copies
        assert table.encode() in copies[database.name]
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.skip("pg_dump is not installed")
        db = connection.settings_dict
        dump = subprocess.run(
            [pg_dump, "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], db["NAME"]],
            capture_output=True,
            check=True,
        )
        copies["pg_dump"] = dump.stdout
        assert table.encode() in dump.stdout
    copies["log records"] = "\n".join(r.getMessage() for r in caplog.records).encode()
    out, err = capfd.readouterr()
    copies["stdout/stderr"] = (out + err).encode()
    return copies


def assert_nowhere(needles: Iterable[bytes], copies: dict[str, bytes]) -> None:
    for name, content in copies.items():
        for needle in needles:
            assert needle not in content, f"{needle!r} was found in {name}"
