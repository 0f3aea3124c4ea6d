"""Deactivation ends every session at once, takes all access, and keeps the accounts' codes."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.sessions.models import Session
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.backup_codes.services import summary
from sparekey.workspace.models import Member, MemberSession


def test_deactivating_ends_every_session_of_the_member(
    account_with_codes: Account, bob: Member, dave: Member, login: Callable[..., Client]
) -> None:
    laptop, phone = login(bob), login(bob)
    assert MemberSession.objects.filter(member=bob).count() == 2
    admin = login(dave)
    assert "Deactivate Bob?" in admin.get(f"/members/{bob.uuid}/deactivate/").content.decode()
    assert admin.post(f"/members/{bob.uuid}/deactivate/").status_code == 302
    assert not Session.objects.filter(
        session_key__in=[laptop.session.session_key, phone.session.session_key]
    ).exists()
    for client in (laptop, phone):
        response = client.get(f"/accounts/{account_with_codes.uuid}/backup-codes/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert summary(account_with_codes).total == 6


def test_an_inactive_member_is_refused_even_if_a_session_survived(
    account_with_codes: Account, bob: Member, login: Callable[..., Client]
) -> None:
    client = login(bob)
    Member.objects.filter(pk=bob.pk).update(is_active=False)  # no session deleted
    response = client.get(f"/accounts/{account_with_codes.uuid}/backup-codes/")
    assert response.status_code == 302


def test_a_reactivated_member_gets_their_access_back(
    account: Account, bob: Member, dave: Member, login: Callable[..., Client]
) -> None:
    admin = login(dave)
    admin.post(f"/members/{bob.uuid}/deactivate/")
    assert admin.post(f"/members/{bob.uuid}/reactivate/").status_code == 302
    assert login(bob).get(f"/accounts/{account.uuid}/").status_code == 200


def test_nobody_deactivates_someone_of_their_rank_or_above(
    alice: Member, dave: Member, login: Callable[..., Client]
) -> None:
    assert login(dave).post(f"/members/{alice.uuid}/deactivate/").status_code == 404
    alice.refresh_from_db()
    assert alice.is_active
