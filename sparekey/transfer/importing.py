"""Importing accounts found in a file: first a preview that writes nothing, then the import.

The readers (``sparekey.transfer.formats``) turn a file into ``FoundAccount`` values; this module
decides what each one becomes and saves it through the services of the accounts, backup codes and
MFA apps, so that sealing, permissions and audit events stay where they are defined.

Each account is imported in its own transaction, and what to do with it is decided again inside
that transaction: an import that stopped halfway can be run again, and a file imported twice with
"skip" creates nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from sparekey.accounts.models import Account, AccountRole
from sparekey.accounts.services import AccountError, accounts_of, add_account, with_effective_role
from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.backup_codes import services as backup_codes
from sparekey.backup_codes.models import BackupCode
from sparekey.backup_codes.parser import PasteRefused
from sparekey.mfa import services as mfa
from sparekey.mfa.models import MfaSettings
from sparekey.mfa.otpauth import KeyRefused, parse_key
from sparekey.mfa.totp import TotpKey

from .items import FoundAccount

NAME_MAX = Account._meta.get_field("name").max_length or 120
APP_MAX = Account._meta.get_field("app").max_length or 120
USERNAME_MAX = Account._meta.get_field("username").max_length or 200
URL_MAX = Account._meta.get_field("login_url").max_length or 500


class NotPermitted(Exception):
    """The member may not import (Login-Only members cannot add accounts)."""


class OnConflict(StrEnum):
    """What to do when the member can already see an account of the same name and app."""

    SKIP = "skip"
    ADD_CODES = "add-codes"


class Outcome(StrEnum):
    CREATE = "create"
    SAVE_CODES = "save-codes"  # an existing account without codes gets the file's codes
    REPLACE_CODES = "replace-codes"  # as "Replace codes": the existing set is destroyed
    SKIP = "skip"


OUTCOME_LABELS = {
    Outcome.CREATE: "New account",
    Outcome.SAVE_CODES: "Save the codes to the existing account",
    Outcome.REPLACE_CODES: "Replace the existing account's codes",
    Outcome.SKIP: "Skip",
}


@dataclass(frozen=True)
class Prepared:
    """A found account made to fit Sparekey's fields; what did not fit is in ``notes``."""

    name: str
    app: str
    login_url: str
    username: str
    password: str
    notes: str
    recovery_note: str
    totp: TotpKey | None
    codes: list[str]
    used: frozenset[int]
    warnings: list[str]

    @property
    def fields(self) -> list[str]:
        """The names of what a new account gets, for the preview and the audit event."""
        named = [
            ("login URL", self.login_url),
            ("username", self.username),
            ("password", self.password),
            ("Secret Key (TOTP)", self.totp),
            ("notes", self.notes),
            ("recovery note", self.recovery_note),
            ("backup codes", self.codes),
        ]
        return [label for label, value in named if value]


@dataclass(frozen=True)
class PlannedAccount:
    """One row of the preview: a found account and what the import will do with it."""

    found: FoundAccount
    outcome: Outcome
    # Why it is skipped, or which existing account gets the codes.
    reason: str
    fields: list[str]
    codes: int
    used: int
    warnings: list[str]
    existing: UUID | None = None

    @property
    def name(self) -> str:
        return self.found.name

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    @property
    def codes_label(self) -> str:
        if not self.codes:
            return "No backup codes found"
        used = f" ({self.used} marked used)" if self.used else ""
        return f"{self.codes} backup code{'s' if self.codes != 1 else ''} found{used}"


@dataclass(frozen=True)
class ImportPlan:
    on_conflict: OnConflict
    accounts: list[PlannedAccount]
    format: str = ""

    def count(self, outcome: Outcome) -> int:
        return sum(1 for row in self.accounts if row.outcome == outcome)


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    codes_added: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, why)
    codes: int = 0

    def as_counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "codes_added": len(self.codes_added),
            "skipped": len(self.skipped),
            "codes": self.codes,
        }


def may_import(member: Any) -> bool:
    """The members who may add accounts (not Login-Only) may import them."""
    return bool(getattr(member, "is_active", False) and getattr(member, "may_add_accounts", False))


def plan_import(
    member: Any,
    found: Iterable[FoundAccount],
    on_conflict: OnConflict | str = OnConflict.SKIP,
    *,
    format: str = "",
) -> ImportPlan:
    """What importing ``found`` would do, writing nothing."""
    if not may_import(member):
        raise NotPermitted
    on_conflict = OnConflict(on_conflict)
    rows = []
    seen: dict[tuple[str, str], str] = {}
    for item in found:
        prepared = prepare(item)
        outcome, reason, existing = _decide(member, prepared, on_conflict, exclude=())
        warnings = list(prepared.warnings)
        key = (prepared.name.casefold(), prepared.app.casefold())
        if key in seen:
            warnings.append(
                f"{seen[key]} of this file has the same name and app; both are imported."
            )
        seen.setdefault(key, item.origin or "Another item")
        rows.append(
            PlannedAccount(
                found=item,
                outcome=outcome,
                reason=reason,
                fields=_fields_set(outcome, prepared),
                codes=len(prepared.codes),
                used=len(prepared.used),
                warnings=warnings,
                existing=existing.uuid if existing is not None else None,
            )
        )
    return ImportPlan(on_conflict=on_conflict, accounts=rows, format=format)


def run_import(member: Any, plan: ImportPlan, request: HttpRequest | None = None) -> ImportSummary:
    """Import the plan's accounts, one transaction each, then record the import as a whole.

    What happens to each account is decided again at that moment (an account of the same name
    may have been added since the preview, or by an earlier run of this import that stopped).
    Accounts created by this run do not count as conflicts, so that duplicates inside one file
    are all imported, as the preview said.
    """
    if not may_import(member):
        raise NotPermitted
    summary = ImportSummary()
    created: list[int] = []
    for row in plan.accounts:
        try:
            with transaction.atomic():
                _import_one(member, row.found, plan, summary, created, request)
        except (AccountError, ValidationError, PasteRefused, KeyRefused) as error:
            summary.skipped.append((row.name, f"Could not be imported: {_reason(error)}"))
        except (backup_codes.NotPermitted, mfa.NotPermitted):
            summary.skipped.append(
                (row.name, "Only the account's Owners can save its backup codes.")
            )
    with transaction.atomic():
        chain.record(
            Audit.IMPORT_DONE,
            actor=member,
            request=request,
            detail={"format": plan.format, "found": len(plan.accounts), **summary.as_counts()},
        )
    return summary


def _import_one(
    member: Any,
    found: FoundAccount,
    plan: ImportPlan,
    summary: ImportSummary,
    created: list[int],
    request: HttpRequest | None,
) -> None:
    prepared = prepare(found)
    outcome, reason, existing = _decide(member, prepared, plan.on_conflict, exclude=created)
    if outcome == Outcome.SKIP:
        summary.skipped.append((found.name, reason))
        return
    if outcome == Outcome.CREATE:
        account = _create(member, prepared, request)
        created.append(account.pk)
        summary.created.append(account.name)
    else:
        assert existing is not None
        account = existing
        _save_codes(member, account, prepared, request)
        summary.codes_added.append(account.name)
    summary.codes += len(prepared.codes)
    chain.record(
        Audit.ACCOUNT_IMPORTED,
        actor=member,
        account=account,
        request=request,
        detail={
            "outcome": str(outcome),
            "format": plan.format,
            "set": _fields_set(outcome, prepared),
            "codes": len(prepared.codes),
            "used": len(prepared.used),
        },
    )


def _fields_set(outcome: Outcome, prepared: Prepared) -> list[str]:
    if outcome == Outcome.CREATE:
        return prepared.fields
    return [] if outcome == Outcome.SKIP else ["backup codes"]


def _create(member: Any, prepared: Prepared, request: HttpRequest | None) -> Account:
    account = add_account(
        member,
        name=prepared.name,
        app=prepared.app,
        login_url=prepared.login_url,
        username=prepared.username,
    )
    if prepared.password or prepared.notes:
        mfa.save_secrets(
            member, account, password=prepared.password, notes=prepared.notes, request=request
        )
    if prepared.totp is not None:
        mfa.save_totp(member, account, prepared.totp, request=request)
    if prepared.recovery_note:
        settings = MfaSettings.objects.filter(account=account).first()
        mfa.save_mfa_settings(
            member,
            account,
            enabled=account.mfa_enabled,
            method=settings.method if settings else "",
            no_backup_codes=settings.no_backup_codes if settings else False,
            recovery_note=prepared.recovery_note,
            request=request,
        )
    if prepared.codes:
        _save_codes(member, account, prepared, request, notify=False)
    return account


def _save_codes(
    member: Any,
    account: Account,
    prepared: Prepared,
    request: HttpRequest | None,
    *,
    notify: bool = True,
) -> None:
    """Save the codes as the account's code set (replacing one, as Replace codes does), then
    mark the ones the file says are used: an export's used codes must never be handed out."""
    text = "\n".join(prepared.codes)
    parsed = backup_codes.save_codes(member, account, text, request=request, notify=notify)
    # By value, not position: the parser gave these codes once already, so it gives them back
    # the same, but a value match stays right even if it ever dropped or reordered one.
    used_values = {prepared.codes[i] for i in prepared.used if i < len(prepared.codes)}
    positions = [p for p, code in enumerate(parsed.codes, start=1) if code in used_values]
    if positions:
        BackupCode.objects.filter(code_set__account=account, position__in=positions).update(
            used_at=timezone.now()
        )


def _decide(
    member: Any, prepared: Prepared, on_conflict: OnConflict, *, exclude: Iterable[int]
) -> tuple[Outcome, str, Account | None]:
    same = list(
        with_effective_role(
            accounts_of(member)
            .filter(name__iexact=prepared.name, app__iexact=prepared.app)
            .exclude(pk__in=list(exclude)),
            member,
        )
    )
    if not same:
        return Outcome.CREATE, "", None
    owned = [a for a in same if a.effective_role == AccountRole.OWNER]
    existing = (owned or same)[0]
    where = f"{existing.name} ({existing.app})"
    if on_conflict == OnConflict.SKIP:
        return Outcome.SKIP, f"{where} exists already.", existing
    if not prepared.codes:
        return Outcome.SKIP, f"{where} exists already and the file holds no codes for it.", existing
    if existing.codes_total == 0:
        if not owned:
            return (
                Outcome.SKIP,
                f"{where} exists already; only its Owners can save its backup codes.",
                existing,
            )
        return Outcome.SAVE_CODES, f"The codes are saved to {where}.", existing
    if not owned:
        return (
            Outcome.SKIP,
            f"{where} has backup codes; only its Owners can replace them.",
            existing,
        )
    if _holds_codes(existing, prepared.codes):
        return Outcome.SKIP, f"{where} holds these codes already.", existing
    return (
        Outcome.REPLACE_CODES,
        f"The codes replace the {existing.codes_total} codes of {where}.",
        existing,
    )


def _holds_codes(account: Account, codes: list[str]) -> bool:
    """Whether the account's code set is exactly these codes: replacing it with themselves
    would only forget which were used."""
    rows = BackupCode.objects.filter(code_set__account=account)
    if rows.count() != len(codes):
        return False
    data_key = account.data_key()
    return sorted(row.open(account, data_key) for row in rows) == sorted(codes)


def prepare(found: FoundAccount) -> Prepared:
    """Fit a found account into Sparekey's fields. Nothing is dropped: a value that does not fit
    its field (an overlong name, a login URL that is not a web address, a TOTP secret Sparekey
    cannot use) is kept in the notes, which are sealed, with a warning."""
    warnings = list(found.warnings)
    kept: list[str] = []
    name = " ".join(found.name.split()) or "Imported account"
    if len(name) > NAME_MAX:
        kept.append(f"Full name: {name}")
        name = name[: NAME_MAX - 1] + "…"
        warnings.append(f"The name is cut to {NAME_MAX} characters; the whole name is in notes.")
    login_url = found.login_url.strip()
    if login_url and "://" not in login_url:
        login_url = f"https://{login_url}"
    if login_url and not _is_web_address(login_url):
        kept.append(f"Login URL: {found.login_url.strip()}")
        warnings.append("The login URL is not a web address; it is kept in notes.")
        login_url = ""
    app = " ".join(found.app.split()) or _host(login_url) or name
    if len(app) > APP_MAX:
        kept.append(f"Full app name: {app}")
        app = app[: APP_MAX - 1] + "…"
    username = found.username.strip()
    if len(username) > USERNAME_MAX:
        kept.append(f"Username: {username}")
        warnings.append("The username is too long for its field; it is kept in notes.")
        username = ""
    totp: TotpKey | None = None
    if found.totp.strip():
        try:
            totp = parse_key(found.totp)
        except KeyRefused as error:
            kept.append(f"TOTP: {found.totp.strip()}")
            warnings.append(f"The TOTP secret cannot be used ({error}); it is kept in notes.")
    codes = found.codes[0] if found.codes else None
    notes = "\n\n".join(part for part in [found.notes.strip(), *kept] if part)
    return Prepared(
        name=name,
        app=app,
        login_url=login_url,
        username=username,
        password=found.password,
        notes=notes,
        recovery_note=found.recovery_note.strip(),
        totp=totp,
        codes=list(codes.codes) if codes else [],
        used=codes.used if codes else frozenset(),
        warnings=[*(codes.warnings if codes else []), *warnings],
    )


def _is_web_address(url: str) -> bool:
    if len(url) > URL_MAX:
        return False
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return False
    return True


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(getattr(error, "reason", None) or error)
