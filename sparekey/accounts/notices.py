"""Telling people what happened to an account's access. Never a secret.

Recipients are found through every grant (direct and via teams), so that an Owner by team is told
as well as a direct one. Mail leaves once the transaction commits: nothing is sent on a rollback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q, QuerySet

from sparekey.workspace.models import Member, TeamMembership, WorkspaceRole

from .models import Account, AccountRole, Grant

log = logging.getLogger(__name__)


def owners_of(account: Account) -> list[Member]:
    """The active members whose effective role on the account is Owner (a Login-Only member
    never is), in one query: a notice needs addresses, not the Users tab's last activity."""
    return list(
        _reached_by(Grant.objects.filter(account=account, role=AccountRole.OWNER)).exclude(
            role=WorkspaceRole.LOGIN_ONLY
        )
    )


def everyone_of(account: Account) -> list[Member]:
    return list(_reached_by(Grant.objects.filter(account=account)))


def _reached_by(grants: QuerySet[Grant]) -> QuerySet[Member]:
    """Active members that ``grants`` reach, directly or through a team, each once."""
    direct = grants.filter(member__isnull=False).values("member")
    teams = grants.filter(team__isnull=False).values("team")
    via_team = TeamMembership.objects.filter(team__in=teams).values("member")
    return Member.objects.filter(Q(pk__in=direct) | Q(pk__in=via_team), is_active=True).order_by(
        "email"
    )


def tell_owners(account: Account, subject: str, body: str) -> None:
    tell(owners_of(account), subject, body)


def tell_everyone(account: Account, subject: str, body: str) -> None:
    """Every active member with a role on the account, Collaborators included."""
    tell(everyone_of(account), subject, body)


def tell(members: Iterable[Member], subject: str, body: str) -> None:
    recipients = sorted({m.email for m in members if m.is_active})
    if recipients:
        transaction.on_commit(partial(send, subject, body, recipients))


def send(subject: str, body: str, recipients: list[str]) -> None:
    text = f"{body}\n\nThis notice never contains a secret. Open Sparekey to see more.\n"
    try:
        send_mass_mail([(f"[Sparekey] {subject}", text, None, [to]) for to in recipients])
    except OSError:
        # A mail server that is down must not undo a change that already committed.
        log.exception("Could not send the notice %r", subject)
