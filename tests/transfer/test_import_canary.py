"""Someone who steals the database file, a dump or the logs finds nothing of an imported file:
not while its preview waits for Confirm import, and not after."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.workspace.models import Member
from tests.canary import assert_nowhere, stored_copies
from tests.transfer.fixtures import bitwarden_json, bitwarden_login

CANARY = "CANARY5D2B8"


@pytest.mark.django_db(transaction=True)
def test_an_import_leaves_no_secret_of_the_file_at_rest_or_in_the_logs(
    alice: Member,
    login: Callable[..., Client],
    caplog: pytest.LogCaptureFixture,
    capfd,  # type: ignore[no-untyped-def]
) -> None:
    caplog.set_level(logging.DEBUG)
    codes = "\n".join(f"{CANARY}{n:02d}" for n in range(8))
    item = bitwarden_login(
        "Canary Import",
        username="canary-user",
        password=f"{CANARY}-password",
        notes=f"Backup codes:\n{codes}\n\nAsk {CANARY}-notes first.",
    )
    client = login(alice)
    upload = SimpleUploadedFile("bitwarden_export.json", bitwarden_json([item]))
    response = client.post("/accounts/import/", {"file": upload, "on_conflict": "skip"})
    assert response.status_code == 200
    assert b"8 backup codes found" in response.content
    needles = [CANARY.encode(), CANARY.encode("utf-16-le")]
    copies = stored_copies("django_session", caplog, capfd)
    # Session rows are compressed and base64-encoded: search them decoded too.
    for session in Session.objects.all():
        copies[f"session {session.pk}"] = json.dumps(session.get_decoded()).encode()
    assert len(copies) > 3
    assert_nowhere(needles, copies)

    token = re.search(rb'name="preview" value="([^"]+)"', response.content)
    assert token
    assert (
        client.post("/accounts/import/confirm/", {"preview": token[1].decode()}).status_code == 200
    )
    assert Account.objects.filter(name="Canary Import").exists()
    assert_nowhere(needles, stored_copies("backup_codes_backupcode", caplog, capfd))
