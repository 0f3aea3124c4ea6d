"""Someone who steals the database file, a PostgreSQL dump or the logs finds no code in them."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.workspace.models import Member

CANARY = "CANARY7F3A9"


def canary_codes() -> str:
    return "\n".join(f"{CANARY}{n:02d}" for n in range(10))


@pytest.mark.django_db(transaction=True)
def test_no_code_reaches_the_database_file_or_the_logs(
    account: Account,
    alice: Member,
    bob: Member,
    login,
    caplog: pytest.LogCaptureFixture,
    capfd,  # type: ignore[no-untyped-def]
) -> None:
    caplog.set_level(logging.DEBUG)
    alice_client: Client = login(alice)
    response = alice_client.post(
        f"/accounts/{account.uuid}/backup-codes/add/", {"codes": canary_codes()}
    )
    assert response.status_code == 302
    page = login(bob).get(f"/accounts/{account.uuid}/backup-codes/").content.decode()
    assert f"{CANARY}00" in page  # the codes really were saved and open

    haystacks: dict[str, bytes] = {}
    if connection.vendor == "sqlite":
        connection.close()
        database = Path(settings.DATABASES["default"]["TEST"]["NAME"])
        for path in database.parent.glob(database.name + "*"):  # the file, -wal and -shm
            haystacks[path.name] = path.read_bytes()
        assert database.name in haystacks
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
        haystacks["pg_dump"] = dump.stdout
        assert b"backup_codes_backupcode" in dump.stdout
    haystacks["log records"] = "\n".join(r.getMessage() for r in caplog.records).encode()
    out, err = capfd.readouterr()
    haystacks["stdout/stderr"] = (out + err).encode()

    for name, content in haystacks.items():
        assert CANARY.encode() not in content, f"a code was found in {name}"
        assert CANARY.encode("utf-16-le") not in content, f"a code was found in {name}"
