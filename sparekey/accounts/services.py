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
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.audit.models import AuditEvent
from sparekey.workspace.models import Member, TeamMembership, WorkspaceRole

from .lookups import InSubquery
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

    One query, each account once: the grants are asked with IN, not joined, so that a member
    reached twice (directly and via a team) neither doubles a card nor its counts. Two INs, one
    per way a grant reaches, so that each is read from its index (grant_member_account,
    grant_team_account), and on PostgreSQL each as ``= ANY(ARRAY(...))`` (sparekey.accounts.
    lookups) so that the accounts are fetched by primary key instead of every account in the
    workspace being tested. The counts are
    correlated subqueries, not a join with GROUP BY: a page of 50 cards counts the codes of those
    50 only, and ``count()`` (a paginator's) drops them and counts accounts alone.
    """
    if not member.is_authenticated or not member.is_active:
        return Account.objects.none()  # type: ignore[return-value]
    direct = Grant.objects.filter(member=member.pk).values("account")
    via_team = Grant.objects.filter(
        team__in=TeamMembership.objects.filter(member=member.pk).values("team")
    ).values("account")
    return (
        Account.objects.filter(Q(InSubquery("pk", direct)) | Q(InSubquery("pk", via_team)))
        .annotate(codes_total=_code_count(), codes_unused=_code_count(used_at__isnull=True))
        .order_by("name", "app", "uuid")
    )


def _code_count(**only: Any) -> Coalesce:
    from sparekey.backup_codes.models import BackupCode

    codes = BackupCode.objects.filter(code_set__account=OuterRef("pk"), **only).order_by()
    counted = codes.values("code_set").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


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
    """Everyone with access to the account, one row per member, Owners first."""
    return members_of_each([account])[account.pk]


def _last_used(rows: dict[int, dict[int, Access]]) -> Iterable[tuple[int, int, datetime]]:
    """(account, member, time of their newest event on it) for every pair in ``rows``.

    One account (its page, the usual case): each member's newest event is one step down the
    (account, actor, at) index, however many years of events the account has. Several accounts
    (a page of orphaned accounts): one grouped query over their events.
    """
    if len(rows) == 1:
        [(account_pk, found)] = rows.items()
        newest = (
            AuditEvent.objects.filter(account_id=account_pk, actor_id=OuterRef("pk"))
            .order_by("-at")
            .values("at")[:1]
        )
        members = (
            Member.objects.filter(pk__in=list(found))
            .annotate(last=Subquery(newest))
            .exclude(last=None)
            .values_list("pk", "last")
        )
        return [(account_pk, member_pk, last) for member_pk, last in members]
    grouped = (
        AuditEvent.objects.filter(
            account__in=list(rows), actor_id__in={pk for found in rows.values() for pk in found}
        )
        .values("account_id", "actor_id")
        .annotate(last=Max("at"))
    )
    return [
        (event["account_id"], event["actor_id"], event["last"])
        for event in grouped
        if event["actor_id"] in rows[event["account_id"]]
    ]


def members_of_each(accounts: list[Account]) -> dict[int, list[Access]]:
    """``members_of`` for several accounts (a page of orphaned accounts) at once.

    Three queries whatever the number of accounts and people: the grants, the members of the
    teams granted, and each member's last audit event on each account.
    """
    grants = list(
        Grant.objects.filter(account__in=[a.pk for a in accounts])
        .select_related("member", "team")
        .order_by("pk")
    )
    rows: dict[int, dict[int, Access]] = {a.pk: {} for a in accounts}
    for grant in grants:
        if grant.member is not None:
            found = rows[grant.account_id]
            found.setdefault(grant.member.pk, Access(grant.member)).grants.append(grant)
    by_team: dict[int, list[Grant]] = {}
    for grant in grants:
        if grant.team_id is not None:
            by_team.setdefault(grant.team_id, []).append(grant)
    memberships = TeamMembership.objects.filter(team_id__in=by_team).select_related("member")
    for membership in memberships:
        for grant in by_team[membership.team_id]:
            found = rows[grant.account_id]
            found.setdefault(membership.member.pk, Access(membership.member)).grants.append(grant)
    for account_pk, member_pk, last in _last_used(rows):
        rows[account_pk][member_pk].last_used = last
    order = {AccountRole.OWNER: 0, AccountRole.COLLABORATOR: 1, None: 2}
    return {
        pk: sorted(
            found.values(),
            key=lambda r: (not r.member.is_active, order[r.granted], r.member.email),
        )
        for pk, found in rows.items()
    }
