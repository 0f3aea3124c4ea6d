from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sparekey.accounts.models import Account, AccountRole, Grant
from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace.models import Member, Team, TeamMembership, TeamRole


def test_an_admin_creates_a_team_and_adds_a_member(
    dave: Member, erin: Member, login: Callable[..., Client]
) -> None:
    client = login(dave)
    response = client.post("/teams/", {"name": "Social"})
    team = Team.objects.get(name="Social")
    assert response["Location"] == f"/teams/{team.uuid}/"
    client.post(f"/teams/{team.uuid}/", {"member": erin.pk, "role": TeamRole.ADMIN})
    assert TeamMembership.objects.get(team=team, member=erin).role == TeamRole.ADMIN
    assert AuditEvent.objects.filter(action=Action.TEAM_CHANGED).exists()


def test_a_team_admin_manages_their_team_but_creates_none(
    erin: Member, ops: Team, bob: Member, login: Callable[..., Client]
) -> None:
    TeamMembership.objects.filter(member=erin).update(role=TeamRole.ADMIN)
    client = login(erin)
    assert ">Teams</a>" in client.get("/").content.decode()
    assert (
        client.post(f"/teams/{ops.uuid}/", {"member": bob.pk, "role": "member"}).status_code == 302
    )
    assert client.post("/teams/", {"name": "Mine"}).status_code == 404
    assert client.post(f"/teams/{ops.uuid}/delete/").status_code == 404


def test_a_team_member_cannot_manage_the_team(
    erin: Member, ops: Team, bob: Member, login: Callable[..., Client]
) -> None:
    client = login(erin)
    assert client.get(f"/teams/{ops.uuid}/").status_code == 404
    assert client.get("/teams/").status_code == 404


def test_leaving_a_team_is_recorded_on_its_accounts(
    account: Account, dave: Member, erin: Member, ops: Team, login: Callable[..., Client]
) -> None:
    Grant.objects.create(account=account, team=ops, role=AccountRole.OWNER)
    login(dave).post(f"/teams/{ops.uuid}/members/{erin.uuid}/remove/")
    assert not TeamMembership.objects.filter(member=erin).exists()
    event = AuditEvent.objects.get(action=Action.TEAM_CHANGED, account=account)
    assert event.detail["change"] == "removed"


def test_deleting_a_team_takes_its_grants(
    account: Account, dave: Member, erin: Member, ops: Team, login: Callable[..., Client]
) -> None:
    Grant.objects.create(account=account, team=ops, role=AccountRole.OWNER)
    login(dave).post(f"/teams/{ops.uuid}/delete/")
    assert not Grant.objects.filter(team__isnull=False).exists()
    assert login(erin).get(f"/accounts/{account.uuid}/").status_code == 404
