"""The one answer to "may this member do this to this account?".

Every view and API endpoint of an account asks here. Workspace roles never appear in this table:
they manage people and settings, and do not open any account's secrets.

A member's role on an account is the highest of their grants: the one given to them directly and
those given to each team they belong to. A deactivated member has none; a Login-Only member is at
most a Collaborator, whatever a team's grant says.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Concatenate, ParamSpec
from uuid import UUID

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.workspace.models import WorkspaceRole

from .models import Account, AccountRole, Grant

P = ParamSpec("P")


class Action(StrEnum):
    VIEW_ACCOUNT = "view_account"  # the account page, its card, its Users tab
    VIEW_CODES = "view_codes"  # the emergency controls and the backup codes in them
    MANAGE_CODES = "manage_codes"  # save, replace, delete, use and mark codes
    MANAGE_ACCOUNT = "manage_account"  # edit, share, remove access, remove the account
    VIEW_SECRETS = "view_secrets"  # the password, notes, the TOTP secret (View QR code)
    VIEW_TOTP_CODE = "view_totp_code"  # the current code of the account's TOTP secret
    MANAGE_SECRETS = "manage_secrets"  # set the password, notes, TOTP secret and MFA settings


RULES: dict[Action, frozenset[AccountRole]] = {
    Action.VIEW_ACCOUNT: frozenset({AccountRole.OWNER, AccountRole.COLLABORATOR}),
    Action.VIEW_CODES: frozenset({AccountRole.OWNER}),
    Action.MANAGE_CODES: frozenset({AccountRole.OWNER}),
    Action.MANAGE_ACCOUNT: frozenset({AccountRole.OWNER}),
    Action.VIEW_SECRETS: frozenset({AccountRole.OWNER}),
    Action.VIEW_TOTP_CODE: frozenset({AccountRole.OWNER, AccountRole.COLLABORATOR}),
    Action.MANAGE_SECRETS: frozenset({AccountRole.OWNER}),
}

RANK = {AccountRole.COLLABORATOR: 1, AccountRole.OWNER: 2}


def role_of(member: Any, account: Account) -> AccountRole | None:
    if account.deleted_at is not None:
        return None
    return granted_role(member, account)


def granted_role(member: Any, account: Account) -> AccountRole | None:
    """The member's effective role from their grants, whether or not the account is removed.

    One query: the member's direct grant and the grants of their teams together.
    """
    if not member.is_authenticated or not member.is_active:
        return None
    roles = Grant.objects.filter(account=account).filter(reaches(member)).values_list("role")
    return highest((role for (role,) in roles), member)


def reaches(member: Any, prefix: str = "") -> Q:
    """The grants that reach ``member``: theirs, and their teams'. ``prefix`` for a relation."""
    return Q(**{f"{prefix}member": member}) | Q(**{f"{prefix}team__memberships__member": member})


def highest(roles: Any, member: Any) -> AccountRole | None:
    """Owner beats Collaborator; a Login-Only member never counts as more than a Collaborator."""
    best = max((AccountRole(role) for role in roles), key=RANK.__getitem__, default=None)
    if best == AccountRole.OWNER and member.role == WorkspaceRole.LOGIN_ONLY:
        return AccountRole.COLLABORATOR
    return best


def allows(role: AccountRole | None, action: Action) -> bool:
    return role is not None and role in RULES[action]


def can(member: Any, action: Action, account: Account) -> bool:
    return allows(role_of(member, account), action)


def account_or_404(
    member: Any, account_uuid: UUID | str, action: Action, request: HttpRequest | None = None
) -> Account:
    """The account if ``member`` may do ``action`` to it, else the same 404 as a missing one.

    A refusal on an account that exists is an audit event: probing is worth knowing about.
    """
    try:
        account = Account.objects.get(uuid=account_uuid)
    except (Account.DoesNotExist, ValueError):
        raise Http404("No such account.") from None
    if not can(member, action, account):
        chain.record(
            Audit.ACCESS_DENIED,
            actor=member,
            account=account,
            request=request,
            detail={"wanted": str(action)},
        )
        raise Http404("No such account.")
    return account


def account_view(
    action: Action,
) -> Callable[
    [Callable[Concatenate[HttpRequest, Account, P], HttpResponse]],
    Callable[..., HttpResponse],
]:
    """Resolve the URL's ``account`` into an Account the member may ``action``, or 404.

    The action is kept on the view (``view.account_action``) so that the permission matrix test
    can find every account URL in the URL conf and fail on one without a rule.
    """

    def decorator(
        view: Callable[Concatenate[HttpRequest, Account, P], HttpResponse],
    ) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, account: UUID, *args: Any, **kwargs: Any) -> HttpResponse:
            account_obj = account_or_404(request.user, account, action, request)
            return view(request, account_obj, *args, **kwargs)

        wrapper.account_action = action  # type: ignore[attr-defined]
        return wrapper

    return decorator
