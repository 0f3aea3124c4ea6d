from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.workspace.models import Member, WorkspaceRole

from .models import Account, AccountRole, Grant

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


def accounts_of(member: Any) -> QuerySet[WithAnnotations[Account, CardCounts]]:
    """The accounts a member holds a role on, with what their cards show."""
    return (
        Account.objects.filter(grants__member=member, grants__member__is_active=True)
        .annotate(
            codes_total=Count("code_set__codes"),
            codes_unused=Count("code_set__codes", filter=Q(code_set__codes__used_at__isnull=True)),
        )
        .order_by("name", "app")
    )


def members_of(account: Account) -> QuerySet[Grant]:
    return account.grants.select_related("member").order_by("role", "member__email")
