"""What the MFA section of the account page and the shield of a dashboard card show.

The account page calls ``account_section`` once; the dashboard calls ``attach_shields`` once for
all its cards (one query, not one per card).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from sparekey.accounts.models import Account, AccountRole
from sparekey.accounts.permissions import Action, allows

from . import services
from .forms import MfaSettingsForm, SecretKeyForm
from .models import AccountSecret, MfaMethod, SecretKind


class Shield(StrEnum):
    PROTECTED = "protected"
    PARTLY = "partly"
    UNPROTECTED = "unprotected"


SHIELD_TEXT = {
    Shield.PROTECTED: "Protected",
    Shield.PARTLY: "Partly protected",
    Shield.UNPROTECTED: "Unprotected",
}


@dataclass(frozen=True)
class ShieldState:
    shield: Shield
    why: str
    no_backup_codes: bool

    @property
    def text(self) -> str:
        return SHIELD_TEXT[self.shield]


def shield_for(
    *, mfa_enabled: bool, codes_unused: int, no_backup_codes: bool, has_recovery_note: bool
) -> ShieldState:
    """Protected: MFA on and a way back in saved (unused backup codes, or for an app that has
    none, a recovery note); partly: MFA on without one; unprotected: MFA off."""
    if not mfa_enabled:
        why = "MFA is off."
        return ShieldState(Shield.UNPROTECTED, why, no_backup_codes)
    if no_backup_codes:
        if has_recovery_note:
            return ShieldState(Shield.PROTECTED, "MFA on, recovery note saved.", True)
        return ShieldState(Shield.PARTLY, "MFA on, no recovery note.", True)
    if codes_unused:
        return ShieldState(Shield.PROTECTED, "MFA on, backup codes saved.", False)
    return ShieldState(Shield.PARTLY, "MFA on, no unused backup codes.", False)


def attach_shields(accounts: Iterable[Any]) -> None:
    """Give each dashboard account (annotated with ``codes_unused``) its ``mfa_shield``."""
    accounts = list(accounts)
    note = AccountSecret.objects.filter(account=OuterRef("pk"), kind=SecretKind.RECOVERY_NOTE)
    rows = Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list(
        "pk", "mfa__no_backup_codes", Exists(note)
    )
    found = {pk: (bool(flag), has_note) for pk, flag, has_note in rows}
    for account in accounts:
        flag, has_note = found.get(account.pk, (False, False))
        account.mfa_shield = shield_for(
            mfa_enabled=account.mfa_enabled,
            codes_unused=account.codes_unused,
            no_backup_codes=flag,
            has_recovery_note=has_note,
        )


@dataclass(frozen=True)
class Section:
    state: services.MfaState
    shield: ShieldState
    code: services.CurrentCode | None
    notes: str
    settings_form: MfaSettingsForm | None
    prompt_codes: bool


def account_section(
    request: HttpRequest, account: Account, role: AccountRole | None, codes_unused: int
) -> dict[str, Any]:
    """The ``mfa`` context of the account page (and ``mfa_prompt_codes`` for its Emergency
    controls: open, Add codes highlighted, right after MFA was turned on)."""
    state = services.state_of(account)
    shield = shield_for(
        mfa_enabled=state.enabled,
        codes_unused=codes_unused,
        no_backup_codes=state.no_backup_codes,
        has_recovery_note=state.has_recovery_note,
    )
    code = None
    if state.has_totp and allows(role, Action.VIEW_TOTP_CODE):
        code = services.current_code(request.user, account, request=request)
    is_owner = allows(role, Action.MANAGE_SECRETS)
    notes, form = "", None
    if is_owner:
        notes = services.notes_of(request.user, account) if state.has_notes else ""
        note = services.recovery_note_of(request.user, account) if state.has_recovery_note else ""
        form = MfaSettingsForm(
            has_totp=state.has_totp,
            initial={
                "enabled": "on" if state.enabled else "off",
                "method": state.method or (MfaMethod.AUTHENTICATOR if state.has_totp else ""),
                "no_backup_codes": state.no_backup_codes,
                "recovery_note": note,
            },
        )
    prompt = (
        is_owner
        and request.GET.get("prompt") == "codes"
        and state.enabled
        and not codes_unused
        and not state.no_backup_codes
    )
    section = Section(state, shield, code, notes, form, prompt)
    context: dict[str, Any] = {"mfa": section, "mfa_prompt_codes": prompt}
    if is_owner:
        context["totp_form"] = SecretKeyForm()
    return context
