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

from sparekey.workspace.models import Member

from .models import Account, AccountRole
from .services import members_of

log = logging.getLogger(__name__)


def owners_of(account: Account) -> list[Member]:
    return [row.member for row in members_of(account) if row.role == AccountRole.OWNER]


def everyone_of(account: Account) -> list[Member]:
    return [row.member for row in members_of(account) if row.role is not None]


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
