"""`sparekey verify`: open every sealed value in memory and check the audit chain.

Nothing opened is kept, printed or logged: a failure names the record by uuid, never by content.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction

from sparekey.accounts.models import Account
from sparekey.audit import chain
from sparekey.audit.models import Action, AuditEvent
from sparekey.audit.verify import verify_chain
from sparekey.backup_codes.models import BackupCode, CodeSet
from sparekey.crypto import CryptoError, Key
from sparekey.keys import keyring
from sparekey.keys.models import AuditKey
from sparekey.mfa.models import AccountSecret
from sparekey.workspace import two_step
from sparekey.workspace.models import LoginTotp

from .models import Verification

KEPT_PROBLEMS = 100


@dataclass
class IntegrityReport:
    accounts: int = 0
    data_keys_opened: int = 0
    # Purged accounts' data keys were destroyed on purpose; their sealed rows are not checked.
    purged_accounts: int = 0
    code_sets: int = 0
    codes: int = 0
    codes_opened: int = 0
    secrets: int = 0
    secrets_opened: int = 0
    audit_keys: int = 0
    audit_keys_opened: int = 0
    login_keys: int = 0
    login_keys_opened: int = 0
    audit_events: int = 0
    chain_intact: bool = True
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        """The counts a backup's manifest records, to compare a restored copy with."""
        return {
            "accounts": self.accounts,
            "code_sets": self.code_sets,
            "codes": self.codes,
            "audit_events": self.audit_events,
        }

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def check_integrity() -> IntegrityReport:
    """Open every data key, backup code, audit key and login authenticator, and verify the
    audit chain.

    A keyring that cannot be loaded raises (KeyringError): then nothing could be checked.
    """
    keyring()
    report = IntegrityReport()
    data_keys = _open_data_keys(report)
    _open_codes(report, data_keys)
    _open_secrets(report, data_keys)
    for audit_key in AuditKey.objects.order_by("pk"):
        report.audit_keys += 1
        try:
            audit_key.open()
        except CryptoError as error:
            report.problems.append(f"audit key {audit_key.key_id}: it does not open ({error})")
        else:
            report.audit_keys_opened += 1
    for login_totp in LoginTotp.objects.select_related("member").order_by("pk"):
        report.login_keys += 1
        if two_step.opens(login_totp):
            report.login_keys_opened += 1
        else:
            report.problems.append(
                f"login authenticator of member {login_totp.member.uuid}: it does not open"
            )
    report.audit_events = AuditEvent.objects.count()
    try:
        chain_report = verify_chain()
    except CryptoError as error:
        report.chain_intact = False
        report.problems.append(f"audit chain: it cannot be checked ({error})")
    else:
        report.chain_intact = chain_report.ok
        if not chain_report.ok:
            report.problems.append(
                f"audit event #{chain_report.first_bad_seq}: {chain_report.problem}"
            )
    return report


# By account primary key: the account, and its data key (None when it does not open, or was
# destroyed by a purge).
DataKeys = dict[int, tuple[Account, Key | None]]


def _open_data_keys(report: IntegrityReport) -> DataKeys:
    accounts: DataKeys = {}
    for account in Account.all_objects.order_by("pk").iterator(chunk_size=1000):
        report.accounts += 1
        accounts[account.pk] = (account, None)
        if not account.wrapped_data_key:
            report.purged_accounts += 1
            continue
        try:
            accounts[account.pk] = (account, account.data_key())
        except CryptoError as error:
            report.problems.append(f"account {account.uuid}: its data key does not open ({error})")
        else:
            report.data_keys_opened += 1
    return accounts


def _open_codes(report: IntegrityReport, data_keys: DataKeys) -> None:
    report.code_sets = CodeSet.objects.count()
    codes = (
        BackupCode.objects.select_related("code_set")
        .only("uuid", "sealed", "code_set__account_id")
        .order_by("pk")
    )
    for code in codes.iterator(chunk_size=2000):
        report.codes += 1
        if _open_row(report, "code", code, data_keys[code.code_set.account_id]):
            report.codes_opened += 1


def _open_secrets(report: IntegrityReport, data_keys: DataKeys) -> None:
    secrets = AccountSecret.objects.only("uuid", "kind", "sealed", "account_id").order_by("pk")
    for secret in secrets.iterator(chunk_size=2000):
        report.secrets += 1
        if _open_row(report, f"{secret.kind} secret", secret, data_keys[secret.account_id]):
            report.secrets_opened += 1


def _open_row(
    report: IntegrityReport,
    what: str,
    row: BackupCode | AccountSecret,
    owner: tuple[Account, Key | None],
) -> bool:
    account, data_key = owner
    if data_key is None:
        if account.wrapped_data_key:
            report.problems.append(
                f"{what} {row.uuid} of account {account.uuid}: its account's data key does not open"
            )
        return False
    try:
        row.open(account, data_key)
    except (CryptoError, UnicodeDecodeError):
        report.problems.append(f"{what} {row.uuid} of account {account.uuid}: it does not open")
        return False
    return True


def record_verification(report: IntegrityReport) -> Verification:
    with transaction.atomic():
        verification = Verification.objects.create(
            ok=report.ok,
            counts={**report.counts(), "audit_keys": report.audit_keys},
            failures=len(report.problems),
            problems=report.problems[:KEPT_PROBLEMS],
        )
        chain.record(
            Action.VERIFIED,
            detail={"ok": report.ok, "failures": len(report.problems), **report.counts()},
        )
    return verification
