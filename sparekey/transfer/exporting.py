"""Exporting the accounts a member owns, as a Bitwarden JSON document encrypted with age.

The document is what Bitwarden's "unencrypted JSON" export looks like, so that other vaults and
common tools import it; Sparekey's own fields (``items.FIELD_*``) carry what Bitwarden has no
place for: the app, the backup codes (unused and used apart, so that nobody reuses a used one)
and the recovery note. The whole document is encrypted with a passphrase in the age format
(https://age-encryption.org, scrypt), which ``age -d`` and ``rage -d`` open anywhere. The
plaintext never touches the disk and the passphrase is never kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyrage
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from sparekey.accounts import notices
from sparekey.accounts.models import Account, AccountRole
from sparekey.accounts.services import accounts_of, with_effective_role
from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.backup_codes.models import BackupCode
from sparekey.backup_codes.services import count_reveal
from sparekey.mfa import services as mfa
from sparekey.mfa.otpauth import to_uri

from .items import FIELD_APP, FIELD_CODES, FIELD_RECOVERY_NOTE, FIELD_USED_CODES

# age derives the file key with scrypt, which slows guessing; a short passphrase still falls
# to a dictionary, and the file may be kept for years.
MIN_PASSPHRASE_CHARS = 12
# Bitwarden's item and custom field types.
LOGIN_ITEM = 1
TEXT_FIELD, HIDDEN_FIELD = 0, 1


class NothingToExport(Exception):
    """The member owns no account (or not the one asked for)."""


class PassphraseRefused(ValueError):
    pass


@dataclass(frozen=True)
class Export:
    filename: str
    data: bytes  # the age file
    accounts: int


def exportable(member: Any, account: Account | None = None) -> list[Account]:
    """The live accounts ``member`` is an Owner of (or just ``account``, if they own it)."""
    owned = with_effective_role(accounts_of(member), member).filter(
        effective_role=AccountRole.OWNER.value
    )
    if account is not None:
        owned = owned.filter(pk=account.pk)
    return list(owned.filter(purged_at__isnull=True))


def export_accounts(
    member: Any,
    *,
    passphrase: str,
    account: Account | None = None,
    request: HttpRequest | None = None,
) -> Export:
    """Every account ``member`` owns (or one), encrypted with ``passphrase``.

    The export counts as one reveal against the member's hourly limit, is one audit event (the
    count, no names) and is told to the other Owners of each account.
    """
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise PassphraseRefused(f"The passphrase needs at least {MIN_PASSPHRASE_CHARS} characters.")
    accounts = exportable(member, account)
    if not accounts:
        raise NothingToExport
    # One reveal for the whole file; a refusal names the account only when there is one.
    count_reveal(member, account, request)  # type: ignore[arg-type]
    document = bitwarden_document(accounts)
    data = pyrage.passphrase.encrypt(json.dumps(document, indent=2).encode(), passphrase)
    with transaction.atomic():
        chain.record(
            Audit.ACCOUNTS_EXPORTED,
            actor=member,
            account=account,
            request=request,
            detail={"accounts": len(accounts)},
        )
        who = member.display_name
        for exported in accounts:
            others = [m for m in notices.owners_of(exported) if m.pk != member.pk]
            notices.tell(
                others,
                f"{exported.name} was exported",
                f"{who} exported {exported.name} with its secrets and backup codes, in a file "
                "encrypted with a passphrase. If you did not expect this, ask them why.",
            )
    today = timezone.localdate().isoformat()
    what = (slugify(account.name)[:40] or "account") if account is not None else "accounts"
    return Export(filename=f"sparekey-{what}-{today}.json.age", data=data, accounts=len(accounts))


def bitwarden_document(accounts: list[Account]) -> dict[str, Any]:
    """The unencrypted document: Bitwarden's export format, one login item per account."""
    return {
        "encrypted": False,
        "folders": [],
        "items": [_item(account) for account in accounts],
    }


def _item(account: Account) -> dict[str, Any]:
    # Not the reveal functions: they count each reveal against the hourly limit and audit it
    # one by one, and an export is one reveal and one event for all its accounts.
    data_key = account.data_key()
    secrets = mfa.open_secrets_for_export(account, data_key)
    password, notes, recovery_note, totp = (
        secrets.password,
        secrets.notes,
        secrets.recovery_note,
        secrets.totp,
    )
    rows = BackupCode.objects.filter(code_set__account=account).order_by("position")
    unused: list[str] = []
    used: list[str] = []
    for row in rows:
        (used if row.used_at else unused).append(row.open(account, data_key))
    fields = [_field(FIELD_APP, account.app, TEXT_FIELD)]
    if unused:
        fields.append(_field(FIELD_CODES, "\n".join(unused), HIDDEN_FIELD))
    if used:
        fields.append(_field(FIELD_USED_CODES, "\n".join(used), HIDDEN_FIELD))
    if recovery_note:
        fields.append(_field(FIELD_RECOVERY_NOTE, recovery_note, HIDDEN_FIELD))
    return {
        "id": str(account.uuid),
        "organizationId": None,
        "folderId": None,
        "type": LOGIN_ITEM,
        "reprompt": 0,
        "name": account.name,
        "notes": notes or None,
        "favorite": False,
        "fields": fields,
        "login": {
            "uris": [{"match": None, "uri": account.login_url}] if account.login_url else [],
            "username": account.username or None,
            "password": password or None,
            "totp": to_uri(totp) if totp is not None else None,
        },
        "collectionIds": None,
    }


def _field(name: str, value: str, kind: int) -> dict[str, Any]:
    return {"name": name, "value": value, "type": kind, "linkedId": None}
