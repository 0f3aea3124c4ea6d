from __future__ import annotations

import time

from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace import confirmation
from sparekey.workspace.models import Member
from tests.conftest import PASSWORD


def expire_confirmation(client: Client) -> None:
    session = client.session
    session[confirmation.SESSION_KEY] = time.time() - 601
    session.save()


def test_it_asks_for_confirmation_after_the_window(
    account_with_codes: Account,
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    client = login(alice)
    expire_confirmation(client)
    url = f"/accounts/{account_with_codes.uuid}/backup-codes/"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/confirm/?next=")
    page = client.get(response["Location"]).content.decode()
    assert "Confirm your identity to continue" in page
    response = client.post("/confirm/", {"password": PASSWORD, "next": url})
    assert response.status_code == 302
    assert response["Location"] == url
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action=Action.IDENTITY_CONFIRMED, actor=alice).exists()


def test_it_does_not_ask_again_within_the_window(
    account_with_codes: Account,
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    client = login(alice)
    assert client.get(f"/accounts/{account_with_codes.uuid}/backup-codes/").status_code == 200


def test_a_wrong_password_does_not_confirm_and_is_audited(
    account_with_codes: Account,
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    client = login(alice)
    expire_confirmation(client)
    url = f"/accounts/{account_with_codes.uuid}/backup-codes/"
    response = client.post("/confirm/", {"password": "not it", "next": url})
    assert response.status_code == 200
    assert "not right" in response.content.decode()
    assert client.get(url).status_code == 302
    assert AuditEvent.objects.filter(action=Action.IDENTITY_FAILED, actor=alice).exists()


def test_it_never_redirects_off_site(alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    client = login(alice)
    response = client.post("/confirm/", {"password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_tampered_confirmation_mark_counts_as_none(
    account_with_codes: Account,
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    client = login(alice)
    session = client.session
    session[confirmation.SESSION_KEY] = "yesterday"
    session.save()
    assert client.get(f"/accounts/{account_with_codes.uuid}/backup-codes/").status_code == 302
    session[confirmation.SESSION_KEY] = time.time() + 10_000  # from the future
    session.save()
    assert client.get(f"/accounts/{account_with_codes.uuid}/backup-codes/").status_code == 302


def test_logging_in_alone_does_not_open_the_codes(
    account_with_codes: Account,
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    client = login(alice, confirmed=False)
    response = client.get(f"/accounts/{account_with_codes.uuid}/backup-codes/")
    assert response.status_code == 302
    assert response["Location"].startswith("/confirm/")
