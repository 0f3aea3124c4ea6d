"""Which links of the main navigation a member sees: each only to whom it applies."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .members import may_manage_members, rank
from .models import ROLE_RANK, TeamRole, WorkspaceRole


def nav(request: HttpRequest) -> dict[str, Any]:
    member = getattr(request, "user", None)
    if member is None or not member.is_authenticated:
        return {}

    def links() -> dict[str, bool]:
        manages = may_manage_members(member)
        return {
            "members": manages,
            "teams": manages or member.team_memberships.filter(role=TeamRole.ADMIN).exists(),
            "deleted_accounts": bool(member.may_add_accounts),
            "orphaned_accounts": rank(member) >= ROLE_RANK[WorkspaceRole.SUPER_ADMIN],
        }

    return {"nav": SimpleLazyObject(links)}
