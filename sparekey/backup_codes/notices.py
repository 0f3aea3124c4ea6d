"""Telling an account's Owners what happened to its backup codes. Never the codes themselves."""

from __future__ import annotations

import logging
from functools import partial

from django.core.mail import send_mass_mail
from django.db import transaction

from sparekey.accounts.models import Account, AccountRole

log = logging.getLogger(__name__)


def tell_owners(account: Account, subject: str, body: str) -> None:
    """E-mail every active Owner once the transaction commits (nothing is sent on a rollback)."""
    recipients = list(
        account.grants.filter(role=AccountRole.OWNER, member__is_active=True).values_list(
            "member__email", flat=True
        )
    )
    if recipients:
        transaction.on_commit(partial(_send, subject, body, recipients))


def _send(subject: str, body: str, recipients: list[str]) -> None:
    text = f"{body}\n\nThis notice never contains a code. Open Sparekey to see more.\n"
    try:
        send_mass_mail([(f"[Sparekey] {subject}", text, None, [to]) for to in recipients])
    except OSError:
        # A mail server that is down must not undo a claim that already committed.
        log.exception("Could not send the notice %r to the account's Owners", subject)
