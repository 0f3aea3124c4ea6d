"""The Activity log as members see it: which events each may see, and how an event reads.

Workspace Owners, Super Admins and Admins see every event: audit events hold no secret, and
overseeing the workspace is their job. Any other member sees the events of the accounts they are
an Owner of (directly or through a team, as sparekey.accounts decides), and their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from sparekey.accounts.models import Account, AccountRole
from sparekey.accounts.services import with_effective_role
from sparekey.workspace.models import WorkspaceRole

from .models import AuditEvent

SEES_ALL_ACTIVITY = frozenset({WorkspaceRole.OWNER, WorkspaceRole.SUPER_ADMIN, WorkspaceRole.ADMIN})


def sees_all_activity(member: Any) -> bool:
    return member.is_authenticated and member.is_active and member.role in SEES_ALL_ACTIVITY


def events_visible_to(member: Any) -> QuerySet[AuditEvent]:
    """Newest first."""
    events = AuditEvent.objects.select_related("actor").order_by("-seq")
    if sees_all_activity(member):
        return events
    owned = owned_accounts(member).values("pk")
    return events.filter(Q(account__in=owned) | Q(actor=member))


def accounts_visible_to(member: Any) -> QuerySet[Account]:
    """The accounts whose events the member sees."""
    if sees_all_activity(member):
        return Account.all_objects.order_by("name", "app")
    return owned_accounts(member).order_by("name", "app")


def owned_accounts(member: Any) -> QuerySet[Account]:
    """The accounts the member is an Owner of, removed ones included: their history stays."""
    if not member.is_authenticated or not member.is_active:
        return Account.all_objects.none()
    accounts = with_effective_role(Account.all_objects.all(), member)
    return accounts.filter(effective_role=AccountRole.OWNER)


@dataclass(frozen=True)
class ActivityRow:
    """One event as the Activity page and its CSV export show it."""

    seq: int
    at: datetime
    who: str
    email: str
    action: str
    account: str
    address: str
    details: list[str]

    @classmethod
    def of(cls, event: AuditEvent) -> ActivityRow:
        return cls(
            seq=event.seq,
            at=event.at,
            who=event.actor.display_name if event.actor else event.actor_email,
            email=event.actor_email,
            action=event.action_label,
            account=event.account_name,
            address=event.ip or "",
            details=detail_lines(event.detail),
        )


def detail_lines(detail: Any) -> list[str]:
    """An event's detail as "key: value" lines, in a stable order."""
    if isinstance(detail, dict):
        return [f"{str(key).replace('_', ' ')}: {describe(detail[key])}" for key in sorted(detail)]
    return [describe(detail)] if detail else []


def describe(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(describe(item) for item in value) or "none"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)
