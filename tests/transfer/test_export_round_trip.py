"""An export imports back: the same accounts, secrets and code states (used stays used).

One test database holds one Sparekey, so the "fresh Sparekey" is a member who sees none of the
exported accounts: everything they get comes from the file alone.
"""

from __future__ import annotations

from typing import Any

import pyrage

from sparekey.accounts.models import Account
from sparekey.accounts.services import accounts_of, add_account
from sparekey.backup_codes import services as backup_codes
from sparekey.mfa import services as mfa
from sparekey.mfa.otpauth import parse_key
from sparekey.transfer import exporting, importing
from sparekey.transfer.formats import read_import
from sparekey.workspace.models import Member
from tests.conftest import GITHUB_CODES, make_member

PASSPHRASE = "a long export passphrase"
TOTP_URI = "otpauth://totp/Registrar:ops?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=Registrar&digits=8"


def state_of(member: Member, account: Account) -> dict[str, Any]:
    """Everything an Owner can see of an account, in a form that compares across databases."""
    key = mfa.reveal_totp(member, account)
    return {
        "name": account.name,
        "app": account.app,
        "login_url": account.login_url,
        "username": account.username,
        "password": mfa.reveal_password(member, account),
        "notes": mfa.notes_of(member, account),
        "recovery_note": mfa.recovery_note_of(member, account),
        "totp": None if key is None else (key.secret, key.digits, key.period, key.algorithm),
        "mfa": account.mfa_enabled,
        "codes": sorted(
            (c.code, c.used_at is not None) for c in backup_codes.reveal_codes(member, account)
        ),
    }


def test_an_export_imports_into_a_fresh_vault_unchanged(alice: Member, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SPAREKEY_REVEALS_PER_HOUR = 1000
    full = add_account(
        alice,
        name="Registrar",
        app="Registrar Inc",
        login_url="https://registrar.example/login",
        username="ops@example.com",
    )
    mfa.save_secrets(alice, full, password="p@ss w0rd ünïcode", notes="Line one\nLine two")
    mfa.save_totp(alice, full, parse_key(TOTP_URI))
    mfa.save_mfa_settings(
        alice,
        full,
        enabled=True,
        method="authenticator",
        no_backup_codes=False,
        recovery_note="Support PIN is in the safe.",
    )
    backup_codes.save_codes(alice, full, GITHUB_CODES)
    backup_codes.claim_next_code(alice, full)
    backup_codes.mark_code(alice, full, 4, used=True)
    bare = add_account(alice, name="Bare", app="Nothing else")
    all_used = add_account(alice, name="Spent", app="Codes")
    backup_codes.save_codes(alice, all_used, "aaaa-1111-bbbb\ncccc-2222-dddd")
    backup_codes.claim_next_code(alice, all_used)
    backup_codes.claim_next_code(alice, all_used)
    expected = [state_of(alice, a) for a in (full, bare, all_used)]

    export = exporting.export_accounts(alice, passphrase=PASSPHRASE)
    assert export.accounts == 3
    document = pyrage.passphrase.decrypt(export.data, PASSPHRASE)

    grace = make_member("grace@example.com")
    found = read_import([("sparekey-export.json", document)])
    plan = importing.plan_import(grace, found, format="bitwarden")
    assert [row.outcome for row in plan.accounts] == [importing.Outcome.CREATE] * 3
    summary = importing.run_import(grace, plan)
    assert len(summary.created) == 3 and summary.skipped == []

    imported = {a.name: a for a in accounts_of(grace)}
    assert sorted(imported) == ["Bare", "Registrar", "Spent"]
    got = [state_of(grace, imported[name]) for name in ("Registrar", "Bare", "Spent")]
    assert got == expected
    # Used stays used: the next code handed out in the new vault is an unused one.
    claimed = backup_codes.claim_next_code(grace, imported["Registrar"])
    assert (claimed.code, False) in expected[0]["codes"]

    # And the export imports into the same vault without creating anything.
    again = importing.run_import(alice, importing.plan_import(alice, found))
    assert again.created == [] and len(again.skipped) == 3
