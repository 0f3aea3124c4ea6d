"""What can be done with an account's backup codes. Views and commands call these, nothing lower.

Each function checks permission, does its work in one transaction with its audit event, and
returns plaintext only to its caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from sparekey.accounts import notices
from sparekey.accounts.models import Account
from sparekey.accounts.permissions import Action, can
from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.workspace import throttle

from .models import BackupCode, CodeSet
from .parser import ParsedCodes, PasteRefused, parse_codes


class NotPermitted(Exception):
    """The member may not do this to this account (views answer 404, as for a missing one)."""


class NoUnusedCodes(Exception):
    """Every code of the account has been used (or none was saved)."""


class NoSuchCode(Exception):
    pass


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
class ClaimedCode:
    position: int
    code: str
    unused: int
    total: int


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
    actor: Any,
    account: Account,
    text: str,
    *,
    request: HttpRequest | None = None,
    notify: bool = True,
) -> ParsedCodes:
    """Save the codes found in ``text`` as the account's code set.

    A set saved before is destroyed in the same transaction ("Replace codes"), so the account
    never has none in between. Raises PasteRefused (or NoCodesFound) and saves nothing when the
    paste cannot be used. ``notify=False`` is for an account created a moment ago by the actor
    alone (an import): its only Owner needs no e-mail about their own codes.
    """
    _require(actor, Action.MANAGE_CODES, account)
    parsed = parse_codes(text)
    if not parsed.codes:
        raise NoCodesFound
    data_key = account.data_key()
    with transaction.atomic():
        old = summary(account)
        CodeSet.objects.filter(account=account).delete()
        code_set = CodeSet.objects.create(account=account, created_by=actor)
        rows = []
        for position, code in enumerate(parsed.codes, start=1):
            row = BackupCode(code_set=code_set, position=position)
            row.seal(account, data_key, code)
            rows.append(row)
        BackupCode.objects.bulk_create(rows)
        detail: dict[str, Any] = {"codes": len(rows)}
        if old.saved:
            detail |= {"replaced_unused": old.unused, "replaced_total": old.total}
        action = Audit.CODES_REPLACED if old.saved else Audit.CODES_SAVED
        chain.record(action, actor=actor, account=account, request=request, detail=detail)
        verb = "replaced" if old.saved else "saved"
        if notify:
            notices.tell_owners(
                account,
                f"Backup codes {verb} for {account.name}",
                f"{_name(actor)} {verb} {len(rows)} backup codes for {account.name}."
                + (
                    f" The old set had {old.unused} unused codes; they no longer work here."
                    if old.saved
                    else ""
                ),
            )
    return parsed


def reveal_codes(
    actor: Any, account: Account, *, request: HttpRequest | None = None
) -> list[RevealedCode]:
    """Every code of the account with its state; the reveal is an audit event."""
    _require(actor, Action.VIEW_CODES, account)
    count_reveal(actor, account, request)
    rows = list(
        BackupCode.objects.filter(code_set__account=account)
        .select_related("used_by")
        .order_by("position")
    )
    with transaction.atomic():
        chain.record(
            Audit.CODES_VIEWED,
            actor=actor,
            account=account,
            request=request,
            detail={"codes": len(rows)},
        )
    if not rows:
        return []
    data_key = account.data_key()
    return [
        RevealedCode(
            position=row.position,
            code=row.open(account, data_key),
            used_at=row.used_at,
            used_by=_name(row.used_by) if row.used_by else "",
        )
        for row in rows
    ]


def claim_next_code(
    actor: Any, account: Account, *, request: HttpRequest | None = None
) -> ClaimedCode:
    """Hand out the next unused code, marked used by ``actor``: never the same code twice.

    The claim is one conditional UPDATE (``WHERE used_at IS NULL``) in a transaction with its
    audit event. Two Owners who ask at once both pick the same candidate at worst; the database
    lets only one UPDATE match it, and the other tries the next code.

    The UPDATE names the row by its primary key alone: a condition through a join becomes a
    subquery, which PostgreSQL does not re-check after waiting for the other claim's row lock,
    and both claims would then "win" (tests/backup_codes/test_claim_concurrency.py caught it).
    """
    _require(actor, Action.MANAGE_CODES, account)
    count_reveal(actor, account, request)
    unused = BackupCode.objects.filter(code_set__account=account, used_at__isnull=True)
    with transaction.atomic():
        while True:
            candidate = unused.order_by("position").first()
            if candidate is None:
                raise NoUnusedCodes
            claimed = BackupCode.objects.filter(pk=candidate.pk, used_at__isnull=True).update(
                used_at=timezone.now(), used_by=actor
            )
            if claimed == 1:
                break
        left = summary(account)
        chain.record(
            Audit.CODE_USED,
            actor=actor,
            account=account,
            request=request,
            detail={"position": candidate.position, "unused": left.unused},
        )
        code = candidate.open(account, account.data_key())
        notices.tell_owners(
            account,
            f"A backup code of {account.name} was used",
            f"{_name(actor)} used backup code #{candidate.position} of {account.name}. "
            f"{left.unused} of {left.total} codes are unused.",
        )
        _warn_if_low(account, left, request)
    return ClaimedCode(position=candidate.position, code=code, unused=left.unused, total=left.total)


def mark_code(
    actor: Any,
    account: Account,
    position: int,
    *,
    used: bool,
    request: HttpRequest | None = None,
) -> Summary:
    """Mark one code used (typed in elsewhere) or unused again (claimed by mistake)."""
    _require(actor, Action.MANAGE_CODES, account)
    code_pk = (
        BackupCode.objects.filter(code_set__account=account, position=position)
        .values_list("pk", flat=True)
        .first()
    )
    if code_pk is None:
        raise NoSuchCode
    code = BackupCode.objects.filter(pk=code_pk)  # by key alone: see claim_next_code
    with transaction.atomic():
        if used:
            changed = code.filter(used_at__isnull=True).update(
                used_at=timezone.now(), used_by=actor
            )
        else:
            changed = code.filter(used_at__isnull=False).update(used_at=None, used_by=None)
        if not changed:
            return summary(account)
        left = summary(account)
        chain.record(
            Audit.CODE_MARKED_USED if used else Audit.CODE_MARKED_UNUSED,
            actor=actor,
            account=account,
            request=request,
            detail={"position": position, "unused": left.unused},
        )
        state = "used" if used else "unused"
        notices.tell_owners(
            account,
            f"A backup code of {account.name} was marked {state}",
            f"{_name(actor)} marked backup code #{position} of {account.name} {state}. "
            f"{left.unused} of {left.total} codes are unused.",
        )
        if used:
            _warn_if_low(account, left, request)
    return left


def delete_codes(actor: Any, account: Account, *, request: HttpRequest | None = None) -> None:
    _require(actor, Action.MANAGE_CODES, account)
    with transaction.atomic():
        old = summary(account)
        if not old.saved:
            return
        CodeSet.objects.filter(account=account).delete()
        chain.record(
            Audit.CODES_DELETED,
            actor=actor,
            account=account,
            request=request,
            detail={"deleted_unused": old.unused, "deleted_total": old.total},
        )
        notices.tell_owners(
            account,
            f"Backup codes deleted for {account.name}",
            f"{_name(actor)} deleted the backup codes of {account.name} ({old.unused} of "
            f"{old.total} were unused). Save new ones so that the account can be recovered.",
        )


def count_reveal(actor: Any, account: Account, request: HttpRequest | None) -> None:
    """Count one reveal (codes, a claim, the password, the Secret Key) against the member's
    hourly limit; a refusal is an audit event."""
    try:
        throttle.check_reveal(actor)
    except throttle.RateLimited:
        chain.record(
            Audit.RATE_LIMITED,
            actor=actor,
            account=account,
            request=request,
            detail={"limit": "reveals per hour"},
        )
        raise


def _warn_if_low(account: Account, left: Summary, request: HttpRequest | None) -> None:
    """Tell the Owners once, when the unused count falls to the warning level (and at zero)."""
    if left.unused not in {settings.SPAREKEY_LOW_CODES, 0}:
        return
    chain.record(Audit.CODES_LOW, account=account, request=request, detail={"unused": left.unused})
    notices.tell_owners(
        account,
        f"Backup codes of {account.name} are running out",
        f"Only {left.unused} of {left.total} backup codes of {account.name} are unused. "
        f"Generate new codes in {account.app}, then open {account.name} in Sparekey and use "
        "Emergency controls > Replace codes.",
    )


def _name(member: Any) -> str:
    return str(member.display_name) if member is not None else "Sparekey"
