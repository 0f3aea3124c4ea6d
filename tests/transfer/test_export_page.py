"""The Export pages: an Owner downloads their accounts, encrypted with a passphrase (age)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pyrage
import pytest
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit.models import Action as Audit
from sparekey.audit.models import AuditEvent
from sparekey.mfa import services as mfa
from sparekey.transfer.items import FIELD_APP, FIELD_CODES, FIELD_USED_CODES
from sparekey.workspace.models import Member
from tests.conftest import GITHUB_CODES
from tests.transfer.test_import_service import row_counts

PASSPHRASE = "correct horse battery export"
ALL = "/accounts/export/"


def one(account: Account) -> str:
    return f"/accounts/{account.uuid}/export/"


def post(client: Client, url: str, passphrase: str = PASSPHRASE, again: str | None = None) -> Any:
    return client.post(
        url, {"passphrase": passphrase, "passphrase_again": passphrase if again is None else again}
    )


def opened(content: bytes, passphrase: str = PASSPHRASE) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(pyrage.passphrase.decrypt(content, passphrase))
    return document


def test_the_export_asks_the_member_to_confirm_who_they_are(
    alice: Member, account_with_codes: Account, login: Callable[..., Client]
) -> None:
    client = login(alice, confirmed=False)
    for url in (ALL, one(account_with_codes)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/confirm/")
        assert post(client, url).status_code == 302


def test_an_owner_downloads_an_age_file_with_a_bitwarden_document(
    alice: Member, account_with_codes: Account, login: Callable[..., Client]
) -> None:
    from sparekey.backup_codes.services import claim_next_code

    claim_next_code(alice, account_with_codes)
    mfa.save_secrets(alice, account_with_codes, password="export-pass-1", notes="Desk 4")
    client = login(alice)
    assert client.get(ALL).status_code == 200
    response = post(client, ALL)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"].split(", ")
    disposition = response["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="sparekey-accounts-[0-9-]+\.json\.age"', disposition)
    assert response.content.startswith(b"age-encryption.org/v1")
    assert b"export-pass-1" not in response.content
    document = opened(response.content)
    assert document["encrypted"] is False
    [item] = document["items"]
    assert item["type"] == 1 and item["name"] == "Brand X"
    assert item["login"]["username"] == "brand"
    assert item["login"]["password"] == "export-pass-1"
    assert item["login"]["uris"] == [{"match": None, "uri": "https://x.com/login"}]
    assert item["notes"] == "Desk 4"
    fields = {field["name"]: field["value"] for field in item["fields"]}
    codes = GITHUB_CODES.split()
    assert fields[FIELD_APP] == "X"
    assert fields[FIELD_USED_CODES] == codes[0]
    assert fields[FIELD_CODES].split("\n") == codes[1:]


def test_one_account_exports_from_its_page_with_a_safe_file_name(
    alice: Member, login: Callable[..., Client]
) -> None:
    from sparekey.accounts.services import add_account

    account = add_account(alice, name='Ops "root" ../../etc', app="AWS")
    add_account(alice, name="Another", app="AWS")
    response = post(login(alice), one(account))
    assert response.status_code == 200
    filename = re.search(r'filename="([^"]+)"', response["Content-Disposition"])
    assert filename and re.fullmatch(r"sparekey-ops-root-etc-[0-9-]+\.json\.age", filename[1])
    assert [item["name"] for item in opened(response.content)["items"]] == [account.name]


@pytest.mark.parametrize(
    ("passphrase", "again", "error"),
    [
        ("short", None, b"at least 12 characters"),
        (PASSPHRASE, PASSPHRASE + "!", b"The two passphrases differ."),
    ],
)
def test_a_weak_or_mistyped_passphrase_is_refused(
    alice: Member,
    account: Account,
    login: Callable[..., Client],
    passphrase: str,
    again: str | None,
    error: bytes,
) -> None:
    client = login(alice)
    before = row_counts()
    response = post(client, ALL, passphrase, again)
    assert response.status_code == 400
    assert error in response.content.replace(b"&#x27;", b"'")
    assert row_counts() == before


def test_a_collaborator_cannot_export_the_account(
    carol: Member, account_with_codes: Account, login: Callable[..., Client]
) -> None:
    client = login(carol)
    assert client.get(one(account_with_codes)).status_code == 404
    assert post(client, one(account_with_codes)).status_code == 404
    response = post(client, ALL)
    assert response.status_code == 400
    assert b"not the Owner of any account" in response.content
    assert not AuditEvent.objects.filter(action=Audit.ACCOUNTS_EXPORTED).exists()


def test_every_export_is_audited_and_told_to_the_other_owners(
    alice: Member,
    bob: Member,
    account_with_codes: Account,
    login: Callable[..., Client],
    mailoutbox: list,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    client = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, ALL).status_code == 200
    event = AuditEvent.objects.get(action=Audit.ACCOUNTS_EXPORTED)
    assert event.actor == alice and event.detail == {"accounts": 1}
    [notice] = [m for m in mailoutbox if "exported" in m.subject]
    assert notice.to == ["bob@example.com"]
    assert "Alice exported Brand X" in notice.body
    for code in GITHUB_CODES.split():
        assert code not in notice.body and code not in json.dumps(event.detail)
