"""Orphaned accounts: accounts with no active Owner left, and the one break-glass way back.

Assigning Owners to an orphaned account is the only path by which a workspace role (Super Admin
or the workspace Owner) reaches an account's secrets. It works only while the account has no
active Owner, is always audited, and is announced to everyone left on the account.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.workspace.models import Member, TeamMembership, WorkspaceRole

from . import notices
from .models import Account, AccountRole, Grant
from .services import AccountError
from .sharing import NotPermitted

MAY_ASSIGN_OWNERS = frozenset({WorkspaceRole.OWNER, WorkspaceRole.SUPER_ADMIN})


def may_assign_owners(member: Any) -> bool:
    return bool(member.is_authenticated and member.is_active and member.role in MAY_ASSIGN_OWNERS)


def _can_own() -> Q:
    return Q(is_active=True) & ~Q(role=WorkspaceRole.LOGIN_ONLY)


def orphaned_accounts() -> QuerySet[Account]:
    """Live accounts none of whose grants gives an active member the Owner role."""
    owners = Member.objects.filter(_can_own()).values("pk")
    direct = Grant.objects.filter(account=OuterRef("pk"), role=AccountRole.OWNER, member__in=owners)
    team_members = TeamMembership.objects.filter(
        team=OuterRef("team"), member__in=Member.objects.filter(_can_own())
    )
    via_team = Grant.objects.filter(
        Exists(team_members), account=OuterRef("pk"), role=AccountRole.OWNER
    )
    return Account.objects.exclude(Exists(direct)).exclude(Exists(via_team)).order_by("name")


def is_orphaned(account: Account) -> bool:
    return orphaned_accounts().filter(pk=account.pk).exists()


def assign_owners(
    actor: Any,
    account: Account,
    new_owners: Iterable[Member],
    *,
    request: HttpRequest | None = None,
) -> None:
    if not may_assign_owners(actor):
        raise NotPermitted
    new_owners = list(new_owners)
    if not new_owners:
        raise AccountError("Choose at least one new Owner.")
    for member in new_owners:
        if not member.is_active:
            raise AccountError(f"{member.email} is deactivated.")
        if member.role == WorkspaceRole.LOGIN_ONLY:
            raise AccountError(f"{member.email} is Login-Only and can only be a Collaborator.")
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=account.pk)
        if not is_orphaned(account):
            raise AccountError(f"{account.name} has an Owner: they can share it themselves.")
        for member in new_owners:
            Grant.objects.update_or_create(
                account=account, member=member, defaults={"role": AccountRole.OWNER}
            )
        emails = [m.email for m in new_owners]
        chain.record(
            Audit.OWNERS_ASSIGNED,
            actor=actor,
            account=account,
            request=request,
            detail={"owners": emails},
        )
        notices.tell_everyone(
            account,
            f"New Owners for {account.name}",
            f"{account.name} had no active Owner left. {actor.display_name} "
            f"({actor.get_role_display()}) assigned new Owners: {', '.join(emails)}. They can "
            "now see its backup codes and manage who has access.",
        )
