"""A real Sparekey in a subprocess, for the maintenance tests: run as

    python -m tests.maintenance.vault populate ACCOUNTS CODES
    python -m tests.maintenance.vault claim FIRST LAST         (one code of each of those accounts)
    python -m tests.maintenance.vault workload LOG STOPFILE    (saves and claims until STOPFILE)
    python -m tests.maintenance.vault check [LOG]              (opens everything; prints JSON)
    python -m tests.maintenance.vault check-snapshot           (the same, after a backup taken
                                                                 during a workload)
    python -m tests.maintenance.vault wrong-order-rotate       (the negative control, below)

with the real settings (SPAREKEY_DATA_DIR, DATABASE_URL from the environment), as the `sparekey`
command and a server would run. Codes are made from the account's name, so a checker started
later knows what every code must open to.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import time
import traceback
from pathlib import Path
from typing import Any

PASSWORD = "correct horse battery staple"
OWNER = "owner@example.com"
# The workload claims codes of the first accounts and replaces the codes of the next ones, so
# that a check knows what each account must hold afterwards.
CLAIMED = range(0, 10)
REPLACED = range(10, 20)


def code_for(name: str, position: int) -> str:
    digest = hashlib.sha256(f"{name}|{position}".encode()).hexdigest()
    return f"{digest[:5]}-{digest[5:10]}"


def account_name(index: int) -> str:
    return f"Account {index:05d}"


def populate(accounts: int, codes: int) -> dict[str, int]:
    from django.db import transaction

    from sparekey.accounts.models import Account, AccountRole, Grant
    from sparekey.audit import chain
    from sparekey.audit.models import Action
    from sparekey.backup_codes.models import BackupCode, CodeSet
    from sparekey.crypto import Key
    from sparekey.keys import keyring
    from sparekey.workspace.models import Member, WorkspaceRole

    ring = keyring()
    owner = Member.objects.create_member(OWNER, PASSWORD, role=WorkspaceRole.OWNER)
    data_keys: dict[str, Key] = {}
    rows = []
    for index in range(accounts):
        account = Account(name=account_name(index), app="App", created_by=owner)
        data_keys[account.name] = Key.generate()
        account.wrapped_data_key = ring.wrap_data_key(data_keys[account.name], account.uuid)
        account.key_id = ring.current_id
        rows.append(account)
    with transaction.atomic():
        Account.objects.bulk_create(rows, batch_size=500)
        created = {a.name: a for a in Account.objects.all()}
        Grant.objects.bulk_create(
            [Grant(account=a, member=owner, role=AccountRole.OWNER) for a in created.values()],
            batch_size=500,
        )
        CodeSet.objects.bulk_create(
            [CodeSet(account=a, created_by=owner) for a in created.values()], batch_size=500
        )
        sealed = []
        for code_set in CodeSet.objects.select_related("account"):
            account = code_set.account
            for position in range(1, codes + 1):
                row = BackupCode(code_set=code_set, position=position)
                row.seal(account, data_keys[account.name], code_for(account.name, position))
                sealed.append(row)
        BackupCode.objects.bulk_create(sealed, batch_size=1000)
        chain.record(Action.ACCOUNT_ADDED, detail={"populated": accounts, "codes": codes})
    return {"accounts": accounts, "codes": len(sealed)}


def _owner_and_accounts() -> tuple[Any, dict[str, Any]]:
    from sparekey.accounts.models import Account
    from sparekey.workspace.models import Member

    return Member.objects.get(email=OWNER), {a.name: a for a in Account.objects.all()}


def claim(first: int, last: int) -> list[dict[str, Any]]:
    from sparekey.backup_codes.services import claim_next_code

    owner, accounts = _owner_and_accounts()
    claimed = []
    for index in range(first, last + 1):
        account = accounts[account_name(index)]
        code = claim_next_code(owner, account)
        claimed.append({"account": account.name, "position": code.position, "code": code.code})
    return claimed


def workload(log_path: str, stop_path: str) -> None:
    """What a server does meanwhile: claim codes and replace code sets, with the keyring it loaded
    at its start, until the stop file appears. Every finished act is logged, then flushed."""
    from sparekey.backup_codes.services import NoUnusedCodes, claim_next_code, save_codes
    from sparekey.keys import keyring

    owner, accounts = _owner_and_accounts()
    keyring()
    chooser = random.Random(os.getpid())
    with open(log_path, "a") as log:
        log.write(json.dumps({"started": True}) + "\n")
        log.flush()
        while not Path(stop_path).exists():
            try:
                if chooser.random() < 0.5:
                    account = accounts[account_name(chooser.choice(CLAIMED))]
                    try:
                        code = claim_next_code(owner, account)
                    except NoUnusedCodes:
                        continue
                    entry = {"claimed": account.name, "position": code.position, "code": code.code}
                else:
                    account = accounts[account_name(chooser.choice(REPLACED))]
                    codes = [f"{chooser.getrandbits(40):010x}" for _ in range(4)]
                    codes = [f"{c[:5]}-{c[5:]}" for c in codes]
                    save_codes(owner, account, "\n".join(codes))
                    entry = {"saved": account.name, "codes": codes}
            except Exception:
                entry = {"error": traceback.format_exc()}
            log.write(json.dumps(entry) + "\n")
            log.flush()
            time.sleep(0.03)  # a busy server, not one that keeps a core to itself


def check(log_path: str | None = None, *, snapshot: bool = False) -> dict[str, Any]:
    """Open every code; compare with what it must be (the workload's accounts: with the log, or
    not at all in a snapshot taken while it ran). A summary, never a code."""
    from sparekey.accounts.models import Account
    from sparekey.backup_codes.models import BackupCode

    expected_saved: dict[str, list[str]] = {}
    claimed: dict[tuple[str, int], str] = {}
    errors = []
    if log_path:
        for line in Path(log_path).read_text().splitlines():
            entry = json.loads(line)
            if "saved" in entry:
                expected_saved[entry["saved"]] = entry["codes"]
            elif "claimed" in entry:
                claimed[(entry["claimed"], entry["position"])] = entry["code"]
            elif "error" in entry:
                errors.append(entry["error"])
    accounts = {a.pk: a for a in Account.all_objects.all()}
    data_keys = {pk: a.data_key() for pk, a in accounts.items()}
    replaced = {account_name(index) for index in REPLACED}
    wrong, opened, used = [], 0, 0
    for code in BackupCode.objects.select_related("code_set").order_by("pk"):
        account = accounts[code.code_set.account_id]
        value = code.open(account, data_keys[account.pk])
        opened += 1
        if account.name in expected_saved:
            expected = expected_saved[account.name][code.position - 1]
        else:
            expected = code_for(account.name, code.position)
        if value != expected and not (snapshot and account.name in replaced):
            wrong.append(str(code.uuid))
        if (account.name, code.position) in claimed:
            if code.used_at is None or claimed[(account.name, code.position)] != value:
                wrong.append(f"claimed {code.uuid}")
        used += code.used_at is not None
    key_ids = sorted({a.key_id for a in accounts.values()})
    return {
        "accounts": len(accounts),
        "codes": opened,
        "used": used,
        "wrong": wrong,
        "key_ids": key_ids,
        "claimed": len(claimed),
        "saved": len(expected_saved),
        "errors": errors,
    }


def wrong_order_rotate() -> None:
    """`sparekey rotate-key` with the order broken: data keys are rewrapped with the new key
    before the keyring holding it is saved. Killed in between, it loses them: the kill test must
    be able to tell."""
    import django.core.management

    from sparekey.maintenance import rotation

    save = rotation.save_keyring
    unsaved = []
    rewrap = rotation._rewrap_all
    rotation.save_keyring = unsaved.append  # type: ignore[assignment]

    def rewrap_then_save(ring: Any, *args: Any) -> None:
        rewrap(ring, *args)
        save(unsaved[0])

    rotation._rewrap_all = rewrap_then_save  # type: ignore[assignment]
    django.core.management.call_command("rotate-key", "--batch-size", "25")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sparekey.settings")
    import django

    django.setup()
    command, *args = sys.argv[1:]
    if command == "populate":
        print(json.dumps(populate(int(args[0]), int(args[1]))))
    elif command == "claim":
        print(json.dumps(claim(int(args[0]), int(args[1]))))
    elif command == "workload":
        workload(args[0], args[1])
    elif command == "check":
        print(json.dumps(check(args[0] if args else None)))
    elif command == "check-snapshot":
        print(json.dumps(check(snapshot=True)))
    elif command == "wrong-order-rotate":
        wrong_order_rotate()
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
