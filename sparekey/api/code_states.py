"""The state of each backup code of an account, without opening any of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sparekey.accounts.models import Account
from sparekey.accounts.permissions import Action, can
from sparekey.backup_codes.models import BackupCode
from sparekey.backup_codes.services import NotPermitted


@dataclass(frozen=True)
class CodeState:
    position: int
    used_at: datetime | None
    used_by: str

    @property
    def state(self) -> str:
        return "unused" if self.used_at is None else "used"


def code_states(actor: Any, account: Account) -> list[CodeState]:
    """Position, state and who used each code: what the View Codes dialog shows, less the codes.

    Owners only, like the codes themselves: when and by whom codes are used is the account's
    recovery history. No code is decrypted, so this is not a reveal and not audited.
    """
    if not can(actor, Action.VIEW_CODES, account):
        raise NotPermitted
    rows = (
        BackupCode.objects.filter(code_set__account=account)
        .select_related("used_by")
        .order_by("position")
    )
    return [
        CodeState(
            position=row.position,
            used_at=row.used_at,
            used_by=row.used_by.display_name if row.used_by else "",
        )
        for row in rows
    ]
