"""Sharing an account with members and teams, and taking access away again. Owners only.

Every change is one transaction with its audit event, and is told to the account's Owners. A
change that takes the actor's own ownership away, or leaves the account with no active Owner,
is refused unless the caller says the member confirmed it (``confirmed_effect``): nobody loses
the last Owner by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.workspace.models import Member, Team, WorkspaceRole

from . import notices
from .models import Account, AccountRole, Grant
from .permissions import Action, can, highest
from .services import AccountError, members_of


class NotPermitted(Exception):
    """The member may not do this to this account (views answer 404, as for a missing one)."""


class NeedsConfirmation(Exception):
    """The change would end the actor's ownership or leave no Owner; ``str()`` says which."""


@dataclass(frozen=True)
class Candidate:
    """One entry of "Members and Teams" in the Share Access dialog."""

    value: str  # "member:<uuid>" or "team:<uuid>"
    label: str
    detail: str


def candidates(query: str = "") -> list[Candidate]:
    """Active members and teams whose name or e-mail holds ``query``."""
    members: QuerySet[Member] = Member.objects.filter(is_active=True)
    teams: QuerySet[Team] = Team.objects.all()
    if query := query.strip():
        members = members.filter(Q(name__icontains=query) | Q(email__icontains=query))
        teams = teams.filter(name__icontains=query)
    found = [
        Candidate(
            f"member:{m.uuid}",
            m.display_name,
            m.email + (" · Login-Only" if m.role == WorkspaceRole.LOGIN_ONLY else ""),
        )
        for m in members.order_by("name", "email")
    ]
    found += [Candidate(f"team:{t.uuid}", t.name, "Team") for t in teams.order_by("name")]
    return found


def recipient(value: str) -> Member | Team:
    """The member or team named by a Candidate's value; AccountError if there is none."""
    kind, _, uuid = value.partition(":")
    try:
        if kind == "member":
            return Member.objects.get(uuid=uuid, is_active=True)
        if kind == "team":
            return Team.objects.get(uuid=uuid)
    except (Member.DoesNotExist, Team.DoesNotExist, ValueError):
        pass
    raise AccountError("Choose a member or a team from the list.")


def effect_of(actor: Any, account: Account, grant: Grant, new_role: AccountRole | None) -> str:
    """Why a change to ``grant`` needs a second confirmation, or "" when it does not."""
    rows = members_of(account)
    owners_after = set()
    actor_after = None
    for row in rows:
        roles = [
            (new_role if g.pk == grant.pk else g.role)
            for g in row.grants
            if g.pk != grant.pk or new_role is not None
        ]
        role = highest(roles, row.member) if row.member.is_active else None
        if role == AccountRole.OWNER:
            owners_after.add(row.member.pk)
        if row.member.pk == actor.pk:
            actor_after = role
    if not owners_after:
        return (
            f"{account.name} will have no Owner left: nobody will see its backup codes or "
            "manage it until a Super Admin or the workspace Owner assigns new Owners."
        )
    if can(actor, Action.MANAGE_ACCOUNT, account) and actor_after != AccountRole.OWNER:
        return (
            f"You will no longer be an Owner of {account.name}: you will not see its backup "
            "codes or manage its access any more."
        )
    return ""


def share(
    actor: Any,
    account: Account,
    to: Member | Team,
    role: AccountRole,
    *,
    message: str = "",
    confirmed_effect: bool = False,
    request: HttpRequest | None = None,
) -> Grant:
    """Give ``to`` a role on the account, or change the role it has."""
    if not can(actor, Action.MANAGE_ACCOUNT, account):
        raise NotPermitted
    role = AccountRole(role)
    if isinstance(to, Member):
        if not to.is_active:
            raise AccountError(f"{to.email} is deactivated.")
        if role == AccountRole.OWNER and to.role == WorkspaceRole.LOGIN_ONLY:
            raise AccountError(f"{to.email} is Login-Only and can only be a Collaborator.")
    target: dict[str, Member | Team] = {"member": to} if isinstance(to, Member) else {"team": to}
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=account.pk)  # one change of access at a time
        grant = Grant.objects.filter(account=account, **target).first()
        if grant is not None and grant.role == role:
            return grant
        if grant is not None and not confirmed_effect:
            if effect := effect_of(actor, account, grant, role):
                raise NeedsConfirmation(effect)
        detail = {"to": _name_of(to), "kind": _kind_of(to), "role": str(role)}
        if grant is None:
            grant = Grant.objects.create(account=account, role=role, **target)
            chain.record(
                Audit.GRANT_ADDED, actor=actor, account=account, request=request, detail=detail
            )
        else:
            detail["from"] = grant.role
            grant.role = role
            grant.save(update_fields=["role"])
            chain.record(
                Audit.ROLE_CHANGED, actor=actor, account=account, request=request, detail=detail
            )
        label = role.label
        notices.tell_owners(
            account,
            f"Access to {account.name} changed",
            f"{_display(actor)} made {_name_of(to)} {_article(label)} {label} of {account.name}.",
        )
        told = [to] if isinstance(to, Member) else [m.member for m in to.memberships.all()]
        body = f"{_display(actor)} shared {account.name} ({account.app}) with you as {label}."
        if message.strip():
            body += f"\n\nTheir message:\n{message.strip()}"
        notices.tell(told, f"{account.name} was shared with you", body)
    return grant


def remove_grant(
    actor: Any,
    account: Account,
    grant: Grant,
    *,
    confirmed_effect: bool = False,
    request: HttpRequest | None = None,
) -> None:
    """Take a member's or a team's grant away. The account's codes stay with the account."""
    if not can(actor, Action.MANAGE_ACCOUNT, account):
        raise NotPermitted
    if grant.account_id != account.pk:
        raise NotPermitted
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=account.pk)
        if not confirmed_effect and (effect := effect_of(actor, account, grant, None)):
            raise NeedsConfirmation(effect)
        to = grant.member or grant.team
        assert to is not None
        detail = {"to": _name_of(to), "kind": _kind_of(to), "role": grant.role}
        grant.delete()
        chain.record(
            Audit.GRANT_REMOVED, actor=actor, account=account, request=request, detail=detail
        )
        notices.tell_owners(
            account,
            f"Access to {account.name} changed",
            f"{_display(actor)} removed the access of {_name_of(to)} to {account.name}.",
        )


def grant_of(account: Account, grant_pk: int) -> Grant:
    try:
        return Grant.objects.select_related("member", "team").get(pk=grant_pk, account=account)
    except Grant.DoesNotExist:
        raise NotPermitted from None


def _name_of(to: Member | Team) -> str:
    return to.email if isinstance(to, Member) else to.name


def _kind_of(to: Member | Team) -> str:
    return "member" if isinstance(to, Member) else "team"


def _display(member: Any) -> str:
    return str(member.display_name) if member is not None else "Sparekey"


def _article(label: str) -> str:
    return "an" if label[0] in "AEIOU" else "a"
