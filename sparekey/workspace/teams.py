"""Teams: Admins and above create and delete them; Team Admins and workspace Admins manage members.

Joining or leaving a team changes access to every account shared with the team, so each such
change is also an audit event on those accounts and is told to their Owners.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit

from .members import MemberError, NotPermitted, may_manage_members
from .models import Member, Team, TeamMembership, TeamRole


def may_manage_teams(actor: Any) -> bool:
    return may_manage_members(actor)


def may_manage_team(actor: Any, team: Team) -> bool:
    if may_manage_teams(actor):
        return True
    return bool(
        actor.is_authenticated
        and actor.is_active
        and team.memberships.filter(member=actor, role=TeamRole.ADMIN).exists()
    )


def create_team(actor: Any, name: str, *, request: HttpRequest | None = None) -> Team:
    if not may_manage_teams(actor):
        raise NotPermitted
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name.strip())
            chain.record(
                Audit.TEAM_CREATED, actor=actor, request=request, detail={"team": team.name}
            )
    except IntegrityError:
        raise MemberError(f"A team is named {name.strip()} already.") from None
    return team


def delete_team(actor: Any, team: Team, *, request: HttpRequest | None = None) -> None:
    """Delete the team and its grants: its members lose the access the team gave them."""
    if not may_manage_teams(actor):
        raise NotPermitted
    with transaction.atomic():
        accounts = _accounts_of(team)
        detail = {"team": team.name}
        team.delete()
        chain.record(Audit.TEAM_DELETED, actor=actor, request=request, detail=detail)
        _tell_accounts(actor, accounts, request, f"The team {detail['team']} was deleted", detail)


def set_membership(
    actor: Any,
    team: Team,
    member: Member,
    role: str,
    *,
    request: HttpRequest | None = None,
) -> None:
    """Add the member to the team, or change their team role."""
    if not may_manage_team(actor, team):
        raise NotPermitted
    if not member.is_active:
        raise MemberError(f"{member.email} is deactivated.")
    with transaction.atomic():
        _, created = TeamMembership.objects.update_or_create(
            team=team, member=member, defaults={"role": TeamRole(role)}
        )
        detail = {"team": team.name, "member": member.email, "role": role}
        detail["change"] = "added" if created else "role"
        chain.record(Audit.TEAM_CHANGED, actor=actor, request=request, detail=detail)
        if created:
            text = f"{member.email} joined the team {team.name}"
            _tell_accounts(actor, _accounts_of(team), request, text, detail)


def remove_membership(
    actor: Any, team: Team, member: Member, *, request: HttpRequest | None = None
) -> None:
    if not may_manage_team(actor, team):
        raise NotPermitted
    with transaction.atomic():
        deleted, _ = TeamMembership.objects.filter(team=team, member=member).delete()
        if not deleted:
            return
        detail = {"team": team.name, "member": member.email, "change": "removed"}
        chain.record(Audit.TEAM_CHANGED, actor=actor, request=request, detail=detail)
        text = f"{member.email} left the team {team.name}"
        _tell_accounts(actor, _accounts_of(team), request, text, detail)


def _accounts_of(team: Team) -> list[Any]:
    from sparekey.accounts.models import Account

    return list(Account.objects.filter(grants__team=team))


def _tell_accounts(
    actor: Any, accounts: list[Any], request: HttpRequest | None, text: str, detail: dict[str, Any]
) -> None:
    from sparekey.accounts import notices

    for account in accounts:
        chain.record(
            Audit.TEAM_CHANGED, actor=actor, account=account, request=request, detail=detail
        )
        notices.tell_owners(
            account,
            f"Access to {account.name} changed",
            f"{text}, which has access to {account.name}.",
        )
