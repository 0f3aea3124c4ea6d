"""Invitations: a single-use link, valid for SPAREKEY_INVITATION_DAYS, stored only as a hash."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit

from .members import MemberError, NotPermitted, assignable_roles
from .models import Invitation, Member

log = logging.getLogger(__name__)


def invite(
    actor: Any,
    email: str,
    role: str,
    *,
    name: str = "",
    request: HttpRequest | None = None,
) -> tuple[Invitation, str]:
    """Invite a person; the invitation and its link (shown once to the inviter, and e-mailed)."""
    if role not in assignable_roles(actor):
        raise NotPermitted
    email = email.strip().lower()
    if Member.objects.filter(email__iexact=email).exists():
        raise MemberError(f"{email} is a member already.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # A new invitation replaces any open one for the same address.
        Invitation.objects.filter(email__iexact=email, accepted_at__isnull=True).delete()
        invitation = Invitation.objects.create(
            email=email,
            name=name.strip(),
            role=role,
            token_hash=Invitation.hash(token),
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=settings.SPAREKEY_INVITATION_DAYS),
        )
        chain.record(
            Audit.MEMBER_INVITED,
            actor=actor,
            request=request,
            detail={"email": email, "role": role},
        )
        link = accept_link(token, request)
        body = (
            f"{actor.display_name} invites you to Sparekey as {invitation.get_role_display()}.\n\n"
            f"Open this link to choose your name and password (valid until "
            f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC, once):\n{link}\n"
        )
        transaction.on_commit(partial(_send, "[Sparekey] You are invited", body, email))
    return invitation, link


def accept_link(token: str, request: HttpRequest | None) -> str:
    path = reverse("accept_invitation", kwargs={"token": token})
    if settings.BASE_URL:
        return settings.BASE_URL + path
    return request.build_absolute_uri(path) if request is not None else path


def open_invitation(token: str) -> Invitation | None:
    invitation = Invitation.objects.filter(token_hash=Invitation.hash(token)).first()
    return invitation if invitation is not None and invitation.is_open else None


def accept(token: str, *, name: str, password: str, request: HttpRequest | None = None) -> Member:
    """Create the member the invitation names. The token works once: a second use fails."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().filter(token_hash=Invitation.hash(token)).first()
        )
        if invitation is None or not invitation.is_open:
            raise MemberError("This invitation has been used or has expired.")
        if Member.objects.filter(email__iexact=invitation.email).exists():
            raise MemberError(f"{invitation.email} is a member already.")
        member = Member.objects.create_member(
            invitation.email, password, role=invitation.role, name=name
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = member
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        chain.record(
            Audit.INVITATION_ACCEPTED,
            actor=member,
            request=request,
            detail={"role": invitation.role, "invited_by": _email(invitation.invited_by)},
        )
    return member


def _email(member: Member | None) -> str | None:
    return member.email if member is not None else None


def _send(subject: str, body: str, to: str) -> None:
    try:
        send_mail(subject, body, None, [to])
    except OSError:
        log.exception("Could not send an invitation e-mail")
