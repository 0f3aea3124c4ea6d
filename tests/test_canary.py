"""Someone who steals the database file, a PostgreSQL dump or the logs finds no code in them."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.workspace.models import Member
from tests.canary import assert_nowhere, stored_copies

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

    copies = stored_copies("backup_codes_backupcode", caplog, capfd)
    assert_nowhere([CANARY.encode(), CANARY.encode("utf-16-le")], copies)
