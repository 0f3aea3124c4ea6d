from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.audit.models import AuditEvent
from sparekey.workspace.models import Member, TeamMembership, WorkspaceRole

from .models import Account, AccountRole, Grant
from .permissions import highest, reaches

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class AccountError(ValueError):
    pass


def add_account(
    actor: Member | None,
    *,
    name: str,
    app: str,
    login_url: str = "",
    username: str = "",
    owners: Iterable[Member] = (),
    collaborators: Iterable[Member] = (),
) -> Account:
    """Create an account; whoever adds it (and anyone named in ``owners``) is its Owner."""
    owners = list(owners)
    if actor is not None and actor not in owners:
        owners.insert(0, actor)
    if not owners:
        raise AccountError("An account needs at least one Owner.")
    for member in owners:
        if member.role == WorkspaceRole.LOGIN_ONLY:
            raise AccountError(f"{member.email} is Login-Only and can only be a Collaborator.")
    account = Account(name=name, app=app, login_url=login_url, username=username, created_by=actor)
    account.full_clean(exclude=["wrapped_data_key", "key_id"])
    account.seal_new_data_key()
    with transaction.atomic():
        account.save()
        grants = [Grant(account=account, member=m, role=AccountRole.OWNER) for m in owners]
        grants += [
            Grant(account=account, member=m, role=AccountRole.COLLABORATOR)
            for m in collaborators
            if m not in owners
        ]
        Grant.objects.bulk_create(grants)
        chain.record(
            Audit.ACCOUNT_ADDED,
            actor=actor,
            account=account,
            detail={
                "owners": [m.email for m in owners],
                "collaborators": [m.email for m in collaborators if m not in owners],
            },
        )
    return account


class CardCounts(TypedDict):
    codes_total: int
    codes_unused: int


def reaching(member: Any) -> QuerySet[Grant]:
    """Every grant that reaches the member, directly or through a team."""
    return Grant.objects.filter(reaches(member))


def accounts_of(member: Any) -> QuerySet[WithAnnotations[Account, CardCounts]]:
    """The accounts a member holds a role on (directly or via a team), with what cards show.

    One query, each account once: the grants are asked with EXISTS, not joined, so that a member
    reached twice (directly and via a team) neither doubles a card nor its counts.
    """
    if not member.is_authenticated or not member.is_active:
        return Account.objects.none()  # type: ignore[return-value]
    reached = reaching(member).filter(account=OuterRef("pk"))
    return (
        Account.objects.filter(Exists(reached))
        .annotate(
            codes_total=Count("code_set__codes"),
            codes_unused=Count("code_set__codes", filter=Q(code_set__codes__used_at__isnull=True)),
        )
        .order_by("name", "app")
    )


def with_effective_role(accounts: QuerySet[Any], member: Any) -> QuerySet[Any]:
    """Annotate ``effective_role`` ("owner", "collaborator" or None) in the same query."""
    reached = reaching(member).filter(account=OuterRef("pk"))
    owner: Exists | Value = Exists(reached.filter(role=AccountRole.OWNER))
    if member.role == WorkspaceRole.LOGIN_ONLY:
        owner = Value(False)
    return accounts.annotate(
        effective_role=Case(
            When(owner, then=Value(AccountRole.OWNER.value)),
            When(Exists(reached), then=Value(AccountRole.COLLABORATOR.value)),
            default=None,
            output_field=CharField(),
        )
    )


@dataclass
class Access:
    """One row of the Users tab: a member and everything that gives them access."""

    member: Member
    grants: list[Grant] = field(default_factory=list)
    last_used: datetime | None = None

    @property
    def granted(self) -> AccountRole | None:
        """The highest role granted (Login-Only capped), even to a deactivated member."""
        return highest((g.role for g in self.grants), self.member)

    @property
    def role(self) -> AccountRole | None:
        """The effective role: none for a deactivated member."""
        return self.granted if self.member.is_active else None

    @property
    def shared_via(self) -> list[str]:
        return ["Account" if g.team is None else g.team.name for g in self.grants]

    @property
    def direct_grant(self) -> Grant | None:
        return next((g for g in self.grants if g.team is None), None)


def members_of(account: Account) -> list[Access]:
    """Everyone with access to the account, one row per member, Owners first.

    Three queries whatever the size: the grants, the members of the teams granted, and each
    member's last audit event on the account.
    """
    grants = list(account.grants.select_related("member", "team").order_by("pk"))
    rows: dict[int, Access] = {}
    for grant in grants:
        if grant.member is not None:
            rows.setdefault(grant.member.pk, Access(grant.member)).grants.append(grant)
    by_team = {g.team_id: g for g in grants if g.team_id is not None}
    memberships = TeamMembership.objects.filter(team_id__in=by_team).select_related("member")
    for membership in memberships:
        row = rows.setdefault(membership.member.pk, Access(membership.member))
        row.grants.append(by_team[membership.team_id])
    last_used = (
        AuditEvent.objects.filter(account=account, actor_id__in=rows)
        .values("actor_id")
        .annotate(last=Max("at"))
    )
    for event in last_used:
        rows[event["actor_id"]].last_used = event["last"]
    order = {AccountRole.OWNER: 0, AccountRole.COLLABORATOR: 1, None: 2}
    return sorted(
        rows.values(),
        key=lambda r: (not r.member.is_active, order[r.granted], r.member.email),
    )
