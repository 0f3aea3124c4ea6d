"""Orphaned accounts: no active Owner left; a Super Admin or the workspace Owner assigns Owners."""

from __future__ import annotations

from collections.abc import Callable

from django.core import mail
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace import members
from sparekey.workspace.models import Member


def test_a_super_admin_assigns_a_new_owner_when_both_owners_are_deactivated(
    account_with_codes: Account,
    alice: Member,
    bob: Member,
    carol: Member,
    dave: Member,
    login: Callable[..., Client],
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    client = login(dave)
    members.deactivate(dave, bob)
    assert "Brand X" not in client.get("/accounts/orphaned/").content.decode()
    Member.objects.filter(pk=alice.pk).update(is_active=False)  # nobody ranks above the Owner
    page = client.get("/accounts/orphaned/").content.decode()
    assert "Brand X" in page and "Assign owners" in page

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/accounts/orphaned/{account_with_codes.uuid}/assign/", {"owners": [carol.pk]}
        )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=Action.OWNERS_ASSIGNED)
    assert event.actor == dave and event.detail == {"owners": ["carol@example.com"]}
    told = {m.to[0] for m in mail.outbox}
    assert "carol@example.com" in told  # the Collaborator, now Owner, is told
    codes = login(carol).get(f"/accounts/{account_with_codes.uuid}/backup-codes/")
    assert codes.status_code == 200
    assert "Assign owners: Brand X" not in client.get("/accounts/orphaned/").content.decode()


def test_collaborators_are_told_when_another_member_is_assigned(
    account: Account,
    alice: Member,
    bob: Member,
    dave: Member,
    login: Callable[..., Client],
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    Member.objects.filter(pk__in=[alice.pk, bob.pk]).update(is_active=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        login(dave).post(f"/accounts/orphaned/{account.uuid}/assign/", {"owners": [dave.pk]})
    assert sorted(m.to[0] for m in mail.outbox) == ["carol@example.com", "dave@example.com"]
    assert "Dave" in mail.outbox[0].body


def test_an_account_with_an_owner_cannot_be_taken_over(
    account: Account, dave: Member, login: Callable[..., Client]
) -> None:
    client = login(dave)
    response = client.post(f"/accounts/orphaned/{account.uuid}/assign/", {"owners": [dave.pk]})
    assert response.status_code == 404
    assert client.get(f"/accounts/{account.uuid}/").status_code == 404


def test_admins_and_users_do_not_see_orphaned_accounts(
    account: Account, bob: Member, login: Callable[..., Client]
) -> None:
    from tests.conftest import make_member

    admin = make_member("admin@example.com", "admin")
    for member in (bob, admin):
        assert login(member).get("/accounts/orphaned/").status_code == 404
