"""Members and workspace roles: roles below one's own, deactivation, handing over the workspace.

Workspace roles manage people; they never open an account's secrets (sparekey.accounts decides
that). Deactivating a member ends every session of theirs at once (sessions live in the database,
found through MemberSession) and takes them off every account; their accounts' codes stay with the
accounts.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit

from .models import ROLE_RANK, Member, MemberSession, WorkspaceRole

MANAGES_MEMBERS = ROLE_RANK[WorkspaceRole.ADMIN]


class NotPermitted(Exception):
    pass


class MemberError(ValueError):
    pass


def rank(member: Any) -> int:
    if not member.is_authenticated or not member.is_active:
        return -1
    return ROLE_RANK[WorkspaceRole(member.role)]


def may_manage_members(actor: Any) -> bool:
    """Admins and above invite, change roles below their own, deactivate and reactivate."""
    return rank(actor) >= MANAGES_MEMBERS


def assignable_roles(actor: Any) -> list[WorkspaceRole]:
    """The roles ``actor`` may give: those below their own (the Owner role only by handover)."""
    if not may_manage_members(actor):
        return []
    return [role for role in WorkspaceRole if ROLE_RANK[role] < rank(actor)]


def may_manage(actor: Any, member: Member) -> bool:
    return (
        may_manage_members(actor)
        and actor.pk != member.pk
        and ROLE_RANK[WorkspaceRole(member.role)] < rank(actor)
    )


def change_role(
    actor: Any, member: Member, role: str, *, request: HttpRequest | None = None
) -> None:
    if not may_manage(actor, member) or role not in assignable_roles(actor):
        raise NotPermitted
    if member.role == role:
        return
    with transaction.atomic():
        old = member.role
        member.role = role
        member.save(update_fields=["role"])
        chain.record(
            Audit.ROLE_CHANGED,
            actor=actor,
            request=request,
            detail={"scope": "workspace", "member": member.email, "from": old, "to": role},
        )


def deactivate(actor: Any, member: Member, *, request: HttpRequest | None = None) -> int:
    """Turn the member off; the number of their sessions ended."""
    if not may_manage(actor, member):
        raise NotPermitted
    with transaction.atomic():
        member.is_active = False
        member.save(update_fields=["is_active"])
        ended = end_sessions(member)
        chain.record(
            Audit.MEMBER_DEACTIVATED,
            actor=actor,
            request=request,
            detail={"member": member.email, "sessions_ended": ended},
        )
    return ended


def reactivate(actor: Any, member: Member, *, request: HttpRequest | None = None) -> None:
    if not may_manage(actor, member):
        raise NotPermitted
    with transaction.atomic():
        member.is_active = True
        member.save(update_fields=["is_active"])
        chain.record(
            Audit.MEMBER_REACTIVATED, actor=actor, request=request, detail={"member": member.email}
        )


def end_sessions(member: Member) -> int:
    """Delete every session of the member, on every server (sessions are database rows)."""
    keys = list(MemberSession.objects.filter(member=member).values_list("session_key", flat=True))
    ended, _ = Session.objects.filter(session_key__in=keys).delete()
    MemberSession.objects.filter(member=member).delete()
    return ended


def transfer_ownership(
    actor: Any, to: Member, password: str, *, request: HttpRequest | None = None
) -> None:
    """Hand the workspace to ``to``; the old Owner becomes a Super Admin. Password-confirmed."""
    if rank(actor) != ROLE_RANK[WorkspaceRole.OWNER]:
        raise NotPermitted
    if not actor.check_password(password):
        raise MemberError("That password is not right.")
    if to.pk == actor.pk or not to.is_active:
        raise MemberError("Choose another active member.")
    with transaction.atomic():
        # Demote first: the database allows one Owner at any moment (workspace_single_owner).
        actor.role = WorkspaceRole.SUPER_ADMIN
        actor.save(update_fields=["role"])
        old_role = to.role
        to.role = WorkspaceRole.OWNER
        to.save(update_fields=["role"])
        chain.record(
            Audit.OWNERSHIP_TRANSFERRED,
            actor=actor,
            request=request,
            detail={"to": to.email, "their_old_role": old_role},
        )


@receiver(user_logged_in, dispatch_uid="sparekey_index_session")
def index_session(sender: Any, request: HttpRequest, user: Member, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        MemberSession.objects.update_or_create(session_key=key, defaults={"member": user})


@receiver(user_logged_out, dispatch_uid="sparekey_unindex_session")
def unindex_session(sender: Any, request: HttpRequest, user: Member | None, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        MemberSession.objects.filter(session_key=key).delete()
