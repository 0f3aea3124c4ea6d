"""An account's life: edited, removed (soft), restored by an Owner, purged after retention.

Purging destroys the account's data key (crypto-shredding): every secret sealed under it, in this
database and in any copy of its rows, can no longer be opened with the master key alone. Old
database backups still hold the wrapped data key: to shred those copies too, rotate the master key
and retire the old one once they have expired.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit

from . import notices
from .models import Account, AccountRole, Grant
from .permissions import Action, can, granted_role, reaches
from .sharing import NotPermitted

EDITABLE = ("name", "app", "login_url", "username")


def edit_account(
    actor: Any, account: Account, changes: dict[str, str], *, request: HttpRequest | None = None
) -> list[str]:
    """Change the account's name, app, login URL or username; the names of what changed."""
    if not can(actor, Action.MANAGE_ACCOUNT, account):
        raise NotPermitted
    changed = [f for f in EDITABLE if f in changes and getattr(account, f) != changes[f]]
    if not changed:
        return []
    before = {f: getattr(account, f) for f in changed}
    for name in changed:
        setattr(account, name, changes[name])
    account.full_clean(exclude=["wrapped_data_key", "key_id"])
    with transaction.atomic():
        account.save(update_fields=changed)
        detail = {"changed": changed, "before": before}
        chain.record(
            Audit.ACCOUNT_EDITED, actor=actor, account=account, request=request, detail=detail
        )
    return changed


def remove_account(
    actor: Any, account: Account, reason: str, *, request: HttpRequest | None = None
) -> None:
    """Soft-delete: the account leaves every dashboard; any of its Owners can restore it."""
    if not can(actor, Action.MANAGE_ACCOUNT, account):
        raise NotPermitted
    with transaction.atomic():
        account.deleted_at = timezone.now()
        account.deleted_by = actor
        account.deletion_reason = reason.strip()
        account.save(update_fields=["deleted_at", "deleted_by", "deletion_reason"])
        detail = {"reason": account.deletion_reason}
        chain.record(
            Audit.ACCOUNT_REMOVED, actor=actor, account=account, request=request, detail=detail
        )
        purge_on = account.deleted_at + timedelta(days=settings.SPAREKEY_PURGE_DAYS)
        notices.tell_owners(
            account,
            f"{account.name} was removed",
            f"{actor.display_name} removed {account.name}"
            + (f" ({account.deletion_reason})" if account.deletion_reason else "")
            + f". Any of its Owners can restore it until {purge_on:%Y-%m-%d}; after that its "
            "secrets are destroyed.",
        )


def deleted_accounts_of(member: Any) -> QuerySet[Account]:
    """Removed accounts, not yet purged, of which ``member`` is an Owner."""
    if not member.is_authenticated or not member.is_active:
        return Account.all_objects.none()
    owned = Grant.objects.filter(reaches(member), account=OuterRef("pk"), role=AccountRole.OWNER)
    found = Account.all_objects.filter(
        Exists(owned), deleted_at__isnull=False, purged_at__isnull=True
    )
    # Login-Only members are never more than Collaborators, whatever a grant says.
    return found if member.may_add_accounts else Account.all_objects.none()


def purge_date(account: Account) -> datetime | None:
    if account.deleted_at is None:
        return None
    return account.deleted_at + timedelta(days=settings.SPAREKEY_PURGE_DAYS)


def restore_account(actor: Any, account: Account, *, request: HttpRequest | None = None) -> None:
    if account.deleted_at is None or account.purged_at is not None:
        raise NotPermitted
    if granted_role(actor, account) != AccountRole.OWNER:
        raise NotPermitted
    with transaction.atomic():
        account.deleted_at = None
        account.deleted_by = None
        account.deletion_reason = ""
        account.save(update_fields=["deleted_at", "deleted_by", "deletion_reason"])
        chain.record(Audit.ACCOUNT_RESTORED, actor=actor, account=account, request=request)
        notices.tell_owners(
            account,
            f"{account.name} was restored",
            f"{actor.display_name} restored {account.name}.",
        )


def due_for_purge(now: datetime | None = None) -> QuerySet[Account]:
    oldest = (now or timezone.now()) - timedelta(days=settings.SPAREKEY_PURGE_DAYS)
    return Account.all_objects.filter(deleted_at__lte=oldest, purged_at__isnull=True)


def purge(account: Account) -> None:
    """Destroy the account's data key. There is no way back.

    The sealed rows (codes, TOTP secret) may stay: without the data key they are noise.
    """
    with transaction.atomic():
        account = Account.all_objects.select_for_update().get(pk=account.pk)
        if account.deleted_at is None or account.purged_at is not None:
            return
        account.wrapped_data_key = b""
        account.purged_at = timezone.now()
        account.save(update_fields=["wrapped_data_key", "purged_at"])
        chain.record(Audit.ACCOUNT_PURGED, account=account)


def purge_due(now: datetime | None = None) -> list[Account]:
    """Purge every account removed longer ago than SPAREKEY_PURGE_DAYS; the ones purged."""
    purged = []
    for account in due_for_purge(now):
        purge(account)
        purged.append(account)
    return purged
