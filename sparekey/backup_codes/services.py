"""What can be done with an account's backup codes. Views and commands call these, nothing lower.

Each function checks permission, does its work in one transaction with its audit event, and
returns plaintext only to its caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest

from sparekey.accounts.models import Account
from sparekey.accounts.permissions import Action, can
from sparekey.audit import chain
from sparekey.audit.models import Action as Audit

from .models import BackupCode, CodeSet
from .parser import ParsedCodes, PasteRefused, parse_codes


class NotPermitted(Exception):
    """The member may not do this to this account (views answer 404, as for a missing one)."""


class NoCodesFound(PasteRefused):
    def __init__(self) -> None:
        super().__init__(
            "No backup codes were found in the pasted text. Paste the codes as the service "
            "shows them, one or more per line."
        )


@dataclass(frozen=True)
class Summary:
    total: int
    unused: int

    @property
    def saved(self) -> bool:
        return self.total > 0


@dataclass(frozen=True)
class RevealedCode:
    position: int
    code: str
    used_at: datetime | None
    used_by: str


def _require(actor: Any, action: Action, account: Account) -> None:
    if not can(actor, action, account):
        raise NotPermitted


def summary(account: Account) -> Summary:
    counts = BackupCode.objects.filter(code_set__account=account).aggregate(
        total=Count("pk"), unused=Count("pk", filter=Q(used_at__isnull=True))
    )
    return Summary(total=counts["total"], unused=counts["unused"])


def preview(text: str) -> ParsedCodes:
    """Parse a paste without saving it (the dialog's live count)."""
    return parse_codes(text)


def save_codes(
    actor: Any, account: Account, text: str, *, request: HttpRequest | None = None
) -> ParsedCodes:
    """Save the codes found in ``text`` as the account's code set, superseding any older set.

    Raises PasteRefused (or NoCodesFound) and saves nothing when the paste cannot be used.
    """
    _require(actor, Action.MANAGE_CODES, account)
    parsed = parse_codes(text)
    if not parsed.codes:
        raise NoCodesFound
    data_key = account.data_key()
    with transaction.atomic():
        replaced = CodeSet.objects.filter(account=account).first()
        replaced_summary = summary(account) if replaced else None
        if replaced:
            replaced.delete()
        code_set = CodeSet.objects.create(account=account, created_by=actor)
        codes = []
        for position, code in enumerate(parsed.codes, start=1):
            row = BackupCode(code_set=code_set, position=position)
            row.seal(account, data_key, code)
            codes.append(row)
        BackupCode.objects.bulk_create(codes)
        detail: dict[str, Any] = {"codes": len(codes)}
        if replaced_summary:
            detail["replaced_unused"] = replaced_summary.unused
            detail["replaced_total"] = replaced_summary.total
        chain.record(
            Audit.CODES_SAVED, actor=actor, account=account, request=request, detail=detail
        )
    return parsed


def reveal_codes(
    actor: Any, account: Account, *, request: HttpRequest | None = None
) -> list[RevealedCode]:
    """Every code of the account with its state; the reveal is an audit event."""
    _require(actor, Action.VIEW_CODES, account)
    rows = list(
        BackupCode.objects.filter(code_set__account=account)
        .select_related("used_by")
        .order_by("position")
    )
    data_key = account.data_key() if rows else None
    revealed = [
        RevealedCode(
            position=row.position,
            code=row.open(account, data_key) if data_key else "",
            used_at=row.used_at,
            used_by=row.used_by.display_name if row.used_by else "",
        )
        for row in rows
    ]
    with transaction.atomic():
        chain.record(
            Audit.CODES_VIEWED,
            actor=actor,
            account=account,
            request=request,
            detail={"codes": len(rows)},
        )
    return revealed
