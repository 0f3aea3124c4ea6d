"""Two-step login: a member's own authenticator (TOTP) and ten single-use recovery codes.

The threats it answers: a stolen password alone no longer logs in; a code seen over a shoulder
or in a proxy log cannot be replayed (each accepted time step is spent); a recovery code works
once even when two logins race for it (one conditional UPDATE decides); and the database alone
yields neither the secret (sealed under the master key) nor a recovery code (stored hashed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.crypto import Context, CryptoError, Key, Keyring, blob_key_id, open_sealed, seal
from sparekey.keys.master import keyring
from sparekey.mfa import qr
from sparekey.mfa.totp import TotpKey, code_at

from .members import NotPermitted, end_sessions, may_manage, rank
from .models import ROLE_RANK, LoginRecoveryCode, LoginTotp, Member, WorkspacePolicy, WorkspaceRole

ISSUER = "Sparekey"
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommendation for HMAC-SHA1
RECOVERY_CODES = 10
RECOVERY_CODE_BYTES = 10  # 80 bits: 16 base32 letters, typed as four groups of four
SECRET_PURPOSE = "login-totp"
KEY_PURPOSE = "login-totp-key"
# Codes of the step before and after the current one are accepted too: clocks drift.
DRIFT_STEPS = 1

log = logging.getLogger(__name__)

_NOT_BASE32 = re.compile(r"[^a-z2-7]")


class TwoStepError(ValueError):
    """A sentence for the member: why the step they asked for was not done."""


def is_on(member: Any) -> bool:
    """Whether the member's login needs a code after the password."""
    return LoginTotp.objects.filter(member_id=member.pk, confirmed_at__isnull=False).exists()


def is_required() -> bool:
    return bool(
        WorkspacePolicy.objects.filter(pk=1).values_list("totp_required", flat=True).first()
    )


# The secret ------------------------------------------------------------------------------------


def _secret_context(row: LoginTotp) -> Context:
    return Context(SECRET_PURPOSE, row.member.uuid, row.uuid)


def _key_context(row: LoginTotp) -> Context:
    return Context(KEY_PURPOSE, row.member.uuid, row.uuid)


def _seal_secret(row: LoginTotp, secret: bytes) -> None:
    sealing_key = Key.generate()
    row.wrapped_key = keyring().wrap_key(sealing_key, _key_context(row))
    row.master_key_id = blob_key_id(row.wrapped_key)
    row.sealed_secret = seal(sealing_key, secret, _secret_context(row))


def totp_key(row: LoginTotp) -> TotpKey:
    """The member's authenticator key, opened. A key wrapped by an older master key is rewrapped
    by the current one as it is read, the way Django upgrades a password hash at login."""
    ring = keyring()
    sealing_key = ring.unwrap_key(bytes(row.wrapped_key), _key_context(row))
    secret = open_sealed(sealing_key, bytes(row.sealed_secret), _secret_context(row))
    if row.master_key_id != ring.current_id and row.pk is not None:
        _store_rewrapped(row, ring, sealing_key)
    return TotpKey(secret, issuer=ISSUER, account_name=row.member.email)


def rewrap(row: LoginTotp, ring: Keyring) -> bool:
    """Wrap the row's key with ``ring``'s current master key (`sparekey rotate-key`). False when
    another process changed the row meanwhile (it was rewrapped, reset or turned off)."""
    sealing_key = ring.unwrap_key(bytes(row.wrapped_key), _key_context(row))
    return _store_rewrapped(row, ring, sealing_key)


def _store_rewrapped(row: LoginTotp, ring: Keyring, sealing_key: Key) -> bool:
    old_master_key_id = row.master_key_id
    row.wrapped_key = ring.wrap_key(sealing_key, _key_context(row))
    row.master_key_id = blob_key_id(row.wrapped_key)
    updated = LoginTotp.objects.filter(pk=row.pk, master_key_id=old_master_key_id).update(
        wrapped_key=row.wrapped_key, master_key_id=row.master_key_id
    )
    return updated == 1


def opens(row: LoginTotp) -> bool:
    """Whether the member's authenticator key opens with the master keys loaded (`sparekey
    verify`)."""
    try:
        sealing_key = keyring().unwrap_key(bytes(row.wrapped_key), _key_context(row))
        open_sealed(sealing_key, bytes(row.sealed_secret), _secret_context(row))
    except CryptoError:
        return False
    return True


def secret_text(key: TotpKey) -> str:
    """The secret as base32 for typing into an app, in groups of four letters."""
    text = base64.b32encode(key.secret).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_data_uri(key: TotpKey) -> str:
    return qr.data_uri(key)


# Enrolment -------------------------------------------------------------------------------------


def pending_enrolment(member: Member) -> LoginTotp | None:
    return LoginTotp.objects.filter(member=member, confirmed_at__isnull=True).first()


def start_enrolment(member: Member) -> LoginTotp:
    """A fresh secret for the member to scan; it guards nothing until a code confirms it."""
    with transaction.atomic():
        if is_on(member):
            raise TwoStepError("Two-step login is on already.")
        LoginTotp.objects.filter(member=member).delete()
        row = LoginTotp(member=member)
        _seal_secret(row, secrets.token_bytes(SECRET_BYTES))
        row.save()
    return row


def confirm_enrolment(
    member: Member, row: LoginTotp, code: str, *, request: HttpRequest | None = None
) -> list[str]:
    """Turn two-step login on once ``code`` proves the app holds the secret; the recovery codes,
    in clear, for the member to save now (only their hashes are kept)."""
    if not accept_code(row, code):
        raise TwoStepError("That code is not right. Enter the code your app shows now.")
    with transaction.atomic():
        turned_on = LoginTotp.objects.filter(pk=row.pk, confirmed_at__isnull=True).update(
            confirmed_at=timezone.now()
        )
        if not turned_on:
            raise TwoStepError("Two-step login is on already.")
        codes = _replace_recovery_codes(member)
        chain.record(Audit.TOTP_ENABLED, actor=member, request=request)
    return codes


# Codes -----------------------------------------------------------------------------------------


def _digits(code: str) -> str:
    return re.sub(r"\s", "", code or "")


def accept_code(row: LoginTotp, code: str, *, unix_time: float | None = None) -> bool:
    """Whether ``code`` is the member's current code (one step either side), and not one already
    used: the accepted step is spent by a conditional UPDATE, so a replay, even a parallel one,
    fails."""
    code = _digits(code)
    if not code.isdigit() or len(code) != 6:
        return False
    key = totp_key(row)
    now = time.time() if unix_time is None else unix_time
    current = int(now) // key.period
    matched = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Every step is compared, in constant time, so timing tells nothing about which matched.
        if hmac.compare_digest(code_at(key, step * key.period), code):
            matched = step
    if matched is None:
        return False
    return LoginTotp.objects.filter(pk=row.pk, last_step__lt=matched).update(last_step=matched) == 1


def check_login_code(member: Member, code: str, *, request: HttpRequest | None = None) -> bool:
    """The second step: an authenticator code, or one of the member's recovery codes."""
    row = LoginTotp.objects.filter(member=member, confirmed_at__isnull=False).first()
    if row is None:
        return False
    if _digits(code).isdigit():
        try:
            return accept_code(row, code)
        except CryptoError:
            # The master key that wraps this key is gone (retired without a rewrap): recovery
            # codes, only hashed, still log in; the log names the member, never a secret.
            log.exception("The two-step login key of %s does not open", member.email)
            return False
    if use_recovery_code(member, code):
        left = member.recovery_codes.filter(used_at__isnull=True).count()
        chain.record(
            Audit.TOTP_RECOVERY_CODE_USED,
            actor=member,
            request=request,
            detail={"recovery_codes_left": left},
        )
        return True
    return False


def _recovery_hash(member: Member, code: str) -> str:
    # The member's uuid salts the hash; the code's 80 random bits make a slow hash unnecessary.
    normal = _NOT_BASE32.sub("", code.lower())
    return hashlib.sha256(f"sparekey/login-recovery|{member.uuid}|{normal}".encode()).hexdigest()


def _new_recovery_code() -> str:
    text = base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode().lower()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _replace_recovery_codes(member: Member) -> list[str]:
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    member.recovery_codes.all().delete()
    LoginRecoveryCode.objects.bulk_create(
        LoginRecoveryCode(member=member, code_hash=_recovery_hash(member, code)) for code in codes
    )
    return codes


def use_recovery_code(member: Member, code: str) -> bool:
    """Spend one recovery code. One UPDATE decides: of two logins racing, exactly one wins."""
    if len(_NOT_BASE32.sub("", (code or "").lower())) != RECOVERY_CODE_BYTES * 8 // 5:
        return False
    spent = LoginRecoveryCode.objects.filter(
        member=member, code_hash=_recovery_hash(member, code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return spent == 1


def regenerate_recovery_codes(member: Member, *, request: HttpRequest | None = None) -> list[str]:
    with transaction.atomic():
        if not is_on(member):
            raise TwoStepError("Turn two-step login on first.")
        codes = _replace_recovery_codes(member)
        chain.record(Audit.TOTP_RECOVERY_CODES_MADE, actor=member, request=request)
    return codes


def recovery_codes_left(member: Member) -> int:
    return member.recovery_codes.filter(used_at__isnull=True).count()


# Turning it off --------------------------------------------------------------------------------


def _remove(member: Member) -> bool:
    was_on = is_on(member)
    LoginTotp.objects.filter(member=member).delete()
    member.recovery_codes.all().delete()
    return was_on


def turn_off(member: Member, *, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        if is_required():
            raise TwoStepError("The workspace requires two-step login: it cannot be turned off.")
        if _remove(member):
            chain.record(Audit.TOTP_DISABLED, actor=member, request=request)


@dataclass(frozen=True)
class Reset:
    sessions_ended: int


def reset(actor: Any, member: Member, *, request: HttpRequest | None = None) -> Reset:
    """An Admin (or above, for roles below their own) clears a member's lost authenticator: the
    member's sessions end and they are told by e-mail.

    ``actor=None`` is the server's operator (`sparekey reset-two-step`): the one way back for the
    workspace Owner, whom no member outranks.
    """
    from sparekey.accounts.notices import tell

    if actor is not None and not may_manage(actor, member):
        raise NotPermitted
    by = actor.display_name if actor is not None else "The server's operator"
    with transaction.atomic():
        if not _remove(member):
            raise TwoStepError(f"{member.display_name} has no two-step login to reset.")
        ended = end_sessions(member)
        chain.record(
            Audit.TOTP_RESET,
            actor=actor,
            request=request,
            detail={"member": member.email, "sessions_ended": ended},
        )
        tell(
            [member],
            "Your two-step login was reset",
            f"{by} reset the two-step login of your Sparekey membership "
            f"({member.email}): your authenticator and recovery codes no longer work, and you "
            "were logged out everywhere. Log in with your password and turn two-step login on "
            "again.\n\nIf you did not ask for this, tell your workspace Owner at once.",
        )
    return Reset(sessions_ended=ended)


# The workspace's rule --------------------------------------------------------------------------


def may_set_policy(member: Any) -> bool:
    return rank(member) == ROLE_RANK[WorkspaceRole.OWNER]


def set_required(owner: Any, required: bool, *, request: HttpRequest | None = None) -> None:
    if not may_set_policy(owner):
        raise NotPermitted
    if required and not is_on(owner):
        # Else the rule would send the Owner straight to the set-up page: make it a choice.
        raise TwoStepError("Turn on your own two-step login first, then require it.")
    with transaction.atomic():
        policy = WorkspacePolicy.current()
        if policy.totp_required == required:
            return
        policy.totp_required = required
        policy.updated_at = timezone.now()
        policy.updated_by = owner
        policy.save()
        chain.record(
            Audit.TOTP_REQUIRED, actor=owner, request=request, detail={"required": required}
        )
