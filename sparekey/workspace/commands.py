"""What the `sparekey` commands share about members."""

from __future__ import annotations

from django.core.management.base import CommandError

from .models import Member


def member_by_email(email: str, *, active: bool = True) -> Member:
    """The member with this e-mail (any case), or a CommandError that says why not. With
    ``active`` (the default), a deactivated member is refused too: commands act as members."""
    try:
        member = Member.objects.get(email__iexact=email.strip())
    except Member.DoesNotExist:
        raise CommandError(f"No member has the email {email.strip()}.") from None
    if active and not member.is_active:
        raise CommandError(f"{member.email} is deactivated.")
    return member
