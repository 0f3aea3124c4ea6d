"""Remove access: the very next request of the member is refused, even in an older session."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sparekey.accounts.models import Account, AccountRole, Grant
from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace.models import Member, Team, TeamMembership


def test_a_removed_member_gets_404_on_the_next_request(
    account_with_codes: Account, alice: Member, bob: Member, login: Callable[..., Client]
) -> None:
    bobs = login(bob)  # a session opened before the change
    assert bobs.get(f"/accounts/{account_with_codes.uuid}/backup-codes/").status_code == 200
    grant = Grant.objects.get(member=bob)
    page = login(alice).get(f"/accounts/{account_with_codes.uuid}/access/{grant.pk}/remove/")
    assert "Remove access</button>" in page.content.decode()
    login(alice).post(f"/accounts/{account_with_codes.uuid}/access/{grant.pk}/remove/")
    assert bobs.get(f"/accounts/{account_with_codes.uuid}/backup-codes/").status_code == 404
    assert AuditEvent.objects.filter(action=Action.GRANT_REMOVED).count() == 1


def test_a_member_who_left_the_team_gets_404_on_the_next_request(
    account_with_codes: Account, erin: Member, ops: Team, login: Callable[..., Client]
) -> None:
    Grant.objects.create(account=account_with_codes, team=ops, role=AccountRole.OWNER)
    erins = login(erin)
    assert erins.get(f"/accounts/{account_with_codes.uuid}/backup-codes/").status_code == 200
    TeamMembership.objects.filter(member=erin).delete()
    assert erins.get(f"/accounts/{account_with_codes.uuid}/backup-codes/").status_code == 404


def test_removing_the_last_owner_explains_the_effect_and_needs_a_second_yes(
    account: Account, alice: Member, bob: Member, login: Callable[..., Client]
) -> None:
    Grant.objects.filter(member=bob).delete()
    grant = Grant.objects.get(member=alice)
    client = login(alice)
    url = f"/accounts/{account.uuid}/access/{grant.pk}/remove/"
    assert "will have no Owner left" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 200
    assert Grant.objects.filter(pk=grant.pk).exists()
    assert client.post(url, {"confirmed": "on"}).status_code == 302
    assert not Grant.objects.filter(pk=grant.pk).exists()


def test_removing_ones_own_ownership_asks_too(
    account: Account, bob: Member, login: Callable[..., Client]
) -> None:
    grant = Grant.objects.get(member=bob)
    page = login(bob).get(f"/accounts/{account.uuid}/access/{grant.pk}/remove/").content.decode()
    assert "You will no longer be an Owner" in page


def test_removing_access_keeps_the_codes(
    account_with_codes: Account, alice: Member, bob: Member, login: Callable[..., Client]
) -> None:
    grant = Grant.objects.get(member=bob)
    login(alice).post(f"/accounts/{account_with_codes.uuid}/access/{grant.pk}/remove/")
    from sparekey.backup_codes.services import summary

    assert summary(account_with_codes).total == 6
