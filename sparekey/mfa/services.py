"""What can be done with an account's password, notes, TOTP secret and MFA settings.

Views call these, nothing lower. Each function checks permission, does its work in one
transaction with its audit event, and returns plaintext only to its caller. Audit details name
what changed, never a value.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from sparekey.accounts.models import Account
from sparekey.accounts.permissions import Action, can
from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.backup_codes.services import count_reveal
from sparekey.crypto import Key

from . import totp
from .models import AccountSecret, CodeShown, MfaMethod, MfaSettings, SecretKind
from .totp import TotpKey

# How long the once-a-minute marks of shown codes are kept; older ones go with each new mark.
CODE_SHOWN_KEPT = timedelta(hours=1)


class NotPermitted(Exception):
    """The member may not do this to this account (views answer 404, as for a missing one)."""


@dataclass(frozen=True)
class CurrentCode:
    code: str
    seconds_left: int
    period: int


@dataclass(frozen=True)
class MfaState:
    """What the MFA section and the shield show; no secret in it."""

    enabled: bool
    method: str
    no_backup_codes: bool
    has_totp: bool
    has_password: bool
    has_notes: bool
    has_recovery_note: bool

    @property
    def method_label(self) -> str:
        return str(MfaMethod(self.method).label) if self.method else ""


def _require(actor: Any, action: Action, account: Account) -> None:
    if not can(actor, action, account):
        raise NotPermitted


def state_of(account: Account) -> MfaState:
    kinds = set(AccountSecret.objects.filter(account=account).values_list("kind", flat=True))
    settings = MfaSettings.objects.filter(account=account).first()
    return MfaState(
        enabled=account.mfa_enabled,
        method=settings.method if settings else "",
        no_backup_codes=settings.no_backup_codes if settings else False,
        has_totp=SecretKind.TOTP in kinds,
        has_password=SecretKind.PASSWORD in kinds,
        has_notes=SecretKind.NOTES in kinds,
        has_recovery_note=SecretKind.RECOVERY_NOTE in kinds,
    )


def _open(account: Account, kind: SecretKind, data_key: Key | None = None) -> str | None:
    row = AccountSecret.objects.filter(account=account, kind=kind).first()
    if row is None:
        return None
    return row.open(account, data_key or account.data_key())


def _put(account: Account, kind: SecretKind, value: str, actor: Any, data_key: Key) -> bool:
    """Seal ``value`` as the account's ``kind`` ("" removes it). True if anything changed."""
    row = AccountSecret.objects.select_for_update().filter(account=account, kind=kind).first()
    if not value:
        if row is None:
            return False
        row.delete()
        return True
    if row is not None and row.open(account, data_key) == value:
        return False
    row = row or AccountSecret(account=account, kind=kind)
    row.seal(account, data_key, value)
    row.updated_at = timezone.now()
    row.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    row.save()
    return True


# Password and More details


def notes_of(actor: Any, account: Account) -> str:
    """The account's More details, for its Owners' page (not audited: no login secret)."""
    _require(actor, Action.VIEW_SECRETS, account)
    return _open(account, SecretKind.NOTES) or ""


def save_secrets(
    actor: Any,
    account: Account,
    *,
    password: str | None,
    notes: str,
    request: HttpRequest | None = None,
) -> list[str]:
    """Set the password (``None`` keeps it, ``""`` removes it) and More details.

    Returns the names of what changed; the audit event names them and holds no value.
    """
    _require(actor, Action.MANAGE_SECRETS, account)
    data_key = account.data_key()
    changed = []
    with transaction.atomic():
        if password is not None and _put(account, SecretKind.PASSWORD, password, actor, data_key):
            changed.append("password removed" if password == "" else "password")
        if _put(account, SecretKind.NOTES, notes, actor, data_key):
            changed.append("notes")
        if changed:
            chain.record(
                Audit.SECRETS_CHANGED,
                actor=actor,
                account=account,
                request=request,
                detail={"changed": changed},
            )
    return changed


def reveal_password(
    actor: Any, account: Account, *, request: HttpRequest | None = None
) -> str | None:
    """The account's password, or None when none is saved; the reveal is an audit event."""
    _require(actor, Action.VIEW_SECRETS, account)
    password = _open(account, SecretKind.PASSWORD)
    if password is None:
        return None
    count_reveal(actor, account, request)
    with transaction.atomic():
        chain.record(Audit.PASSWORD_VIEWED, actor=actor, account=account, request=request)
    return password


# The TOTP secret


def current_code_of(key: TotpKey, now: float | None = None) -> CurrentCode:
    """The code ``key`` makes now; nothing is saved or recorded (the Set as MFA preview)."""
    now = time.time() if now is None else now
    return CurrentCode(
        code=totp.code_at(key, now), seconds_left=totp.seconds_left(key, now), period=key.period
    )


def _dump(key: TotpKey) -> str:
    return json.dumps(
        {
            "secret": key.secret.hex(),
            "algorithm": key.algorithm,
            "digits": key.digits,
            "period": key.period,
            "issuer": key.issuer,
            "account_name": key.account_name,
        }
    )


def _load(sealed: str) -> TotpKey:
    fields = json.loads(sealed)
    return TotpKey(**{**fields, "secret": bytes.fromhex(fields["secret"])})


def _totp_key(account: Account) -> TotpKey | None:
    sealed = _open(account, SecretKind.TOTP)
    return None if sealed is None else _load(sealed)


@dataclass(frozen=True)
class OpenedSecrets:
    password: str
    notes: str
    recovery_note: str
    totp: TotpKey | None


def open_secrets_for_export(account: Account, data_key: Key) -> OpenedSecrets:
    """Every secret of the account, opened, in one query. Neither checked nor audited nor
    counted here: the export (sparekey.transfer.exporting) checks that the member owns each
    account, and audits and announces the export as one event."""
    opened = {
        row.kind: row.open(account, data_key)
        for row in AccountSecret.objects.filter(account=account)
    }
    totp_text = opened.get(SecretKind.TOTP)
    return OpenedSecrets(
        password=opened.get(SecretKind.PASSWORD, ""),
        notes=opened.get(SecretKind.NOTES, ""),
        recovery_note=opened.get(SecretKind.RECOVERY_NOTE, ""),
        totp=None if totp_text is None else _load(totp_text),
    )


def save_totp(
    actor: Any, account: Account, key: TotpKey, *, request: HttpRequest | None = None
) -> bool:
    """Save ``key`` as the account's TOTP secret ("Set as MFA"): MFA on, by Sparekey's
    authenticator. Replaces a key saved before. True when this turned MFA on."""
    _require(actor, Action.MANAGE_SECRETS, account)
    data_key = account.data_key()
    with transaction.atomic():
        replaced = AccountSecret.objects.filter(account=account, kind=SecretKind.TOTP).exists()
        _put(account, SecretKind.TOTP, _dump(key), actor, data_key)
        was, _ = _set_mfa(account, actor, enabled=True, method=MfaMethod.AUTHENTICATOR)
        turned_on = not was
        chain.record(
            Audit.TOTP_SAVED,
            actor=actor,
            account=account,
            request=request,
            detail={
                "algorithm": key.algorithm,
                "digits": key.digits,
                "period": key.period,
                "replaced": replaced,
                "mfa_turned_on": turned_on,
            },
        )
    return turned_on


def current_code(
    actor: Any, account: Account, *, request: HttpRequest | None = None, now: float | None = None
) -> CurrentCode | None:
    """The account's current code, or None when no TOTP secret is saved.

    Each code shown is audited, batched: one TOTP_SHOWN event per member, account and minute,
    however many pages, polls or servers show it in that minute.
    """
    _require(actor, Action.VIEW_TOTP_CODE, account)
    key = _totp_key(account)
    if key is None:
        return None
    shown = current_code_of(key, now)
    _record_shown(actor, account, request, timezone.now() if now is None else _utc(now))
    return shown


def _utc(unix_time: float) -> datetime:
    return datetime.fromtimestamp(unix_time, tz=timezone.get_current_timezone())


def _record_shown(actor: Any, account: Account, request: HttpRequest | None, at: datetime) -> None:
    minute = at.replace(second=0, microsecond=0)
    marks = CodeShown.objects.filter(member=actor, account=account, minute=minute)
    if marks.exists():
        return
    try:
        with transaction.atomic():
            CodeShown.objects.create(member=actor, account=account, minute=minute)
            chain.record(
                Audit.TOTP_SHOWN,
                actor=actor,
                account=account,
                request=request,
                detail={"minute": minute.isoformat()},
            )
    except IntegrityError:
        return  # another request of this member showed it in this minute and recorded it
    CodeShown.objects.filter(minute__lt=minute - CODE_SHOWN_KEPT).delete()


def reveal_totp(
    actor: Any, account: Account, *, request: HttpRequest | None = None
) -> TotpKey | None:
    """The account's TOTP secret itself (View QR code), or None; the reveal is audited."""
    _require(actor, Action.VIEW_SECRETS, account)
    key = _totp_key(account)
    if key is None:
        return None
    count_reveal(actor, account, request)
    with transaction.atomic():
        chain.record(Audit.TOTP_QR_VIEWED, actor=actor, account=account, request=request)
    return key


# MFA settings


class SettingsRefused(ValueError):
    pass


def recovery_note_of(actor: Any, account: Account) -> str:
    _require(actor, Action.VIEW_SECRETS, account)
    return _open(account, SecretKind.RECOVERY_NOTE) or ""


def save_mfa_settings(
    actor: Any,
    account: Account,
    *,
    enabled: bool,
    method: str,
    no_backup_codes: bool,
    recovery_note: str,
    request: HttpRequest | None = None,
) -> bool:
    """MFA on or off, by which method, and whether the app gives backup codes at all.

    Returns True when this turned MFA on (the page then asks for the backup codes).
    """
    _require(actor, Action.MANAGE_SECRETS, account)
    if enabled and not method:
        raise SettingsRefused("Choose how the account's MFA codes arrive.")
    if method == MfaMethod.AUTHENTICATOR and not state_of(account).has_totp:
        raise SettingsRefused(
            "Sparekey's authenticator needs the account's Secret Key first: use Set as MFA."
        )
    data_key = account.data_key()
    with transaction.atomic():
        note_changed = _put(account, SecretKind.RECOVERY_NOTE, recovery_note, actor, data_key)
        was, changed = _set_mfa(
            account, actor, enabled=enabled, method=method, no_backup_codes=no_backup_codes
        )
        if changed or note_changed:
            detail: dict[str, Any] = {
                "mfa": "on" if enabled else "off",
                "method": method,
                "no_backup_codes": no_backup_codes,
            }
            if note_changed:
                detail["recovery_note"] = "set" if recovery_note else "removed"
            chain.record(
                Audit.MFA_CHANGED, actor=actor, account=account, request=request, detail=detail
            )
    return enabled and not was


def _set_mfa(
    account: Account,
    actor: Any,
    *,
    enabled: bool,
    method: str,
    no_backup_codes: bool | None = None,
) -> tuple[bool, bool]:
    """Store the MFA state: (whether MFA was on before, whether anything changed)."""
    was = (
        Account.objects.select_for_update().values_list("mfa_enabled", flat=True).get(pk=account.pk)
    )
    settings, _ = MfaSettings.objects.get_or_create(account=account)
    flag = settings.no_backup_codes if no_backup_codes is None else no_backup_codes
    new_state = (enabled, method, flag)
    if (was, settings.method, settings.no_backup_codes) == new_state:
        return was, False
    settings.method = method
    settings.no_backup_codes = flag
    settings.updated_at = timezone.now()
    settings.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    settings.save()
    Account.objects.filter(pk=account.pk).update(mfa_enabled=enabled)
    account.mfa_enabled = enabled
    return was, True
