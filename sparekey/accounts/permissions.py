"""The one answer to "may this member do this to this account?".

Every view and API endpoint of an account asks here. Workspace roles never appear in this table:
they manage people and settings, and do not open any account's secrets.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Concatenate, ParamSpec
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit

from .models import Account, AccountRole, Grant

P = ParamSpec("P")


class Action(StrEnum):
    VIEW_ACCOUNT = "view_account"  # the account page, its card, its Users tab
    VIEW_CODES = "view_codes"  # the emergency controls and the backup codes in them
    MANAGE_CODES = "manage_codes"  # save, replace, delete, use and mark codes


RULES: dict[Action, frozenset[AccountRole]] = {
    Action.VIEW_ACCOUNT: frozenset({AccountRole.OWNER, AccountRole.COLLABORATOR}),
    Action.VIEW_CODES: frozenset({AccountRole.OWNER}),
    Action.MANAGE_CODES: frozenset({AccountRole.OWNER}),
}


def role_of(member: Any, account: Account) -> AccountRole | None:
    if not member.is_authenticated or not member.is_active or account.deleted_at is not None:
        return None
    role = Grant.objects.filter(account=account, member=member).values_list("role", flat=True)
    found = role.first()
    return AccountRole(found) if found else None


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
