"""Seed a benchmark workspace: `python -m bench.seed PLAN.json OUT.json` (Django set up by env).

The few members and accounts that are measured are made with Sparekey's own services (accounts,
codes, tokens, a login through django.contrib.auth and a confirmed identity), so they are exactly
what Sparekey writes. The bulk of the workspace (up to 100,000 accounts) is made with
bulk_create, row for row the same shape: a real data key for every account, sealed by the
keyring, and a grant to an Owner.

OUT.json holds the sessions and API tokens the load generator needs; it lives in the run's
temporary data directory (mode 0600) and is removed with it.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import django


def code_paste(count: int, salt: str) -> str:
    """A paste as a service prints it: numbered lines of 8-digit codes, all different."""
    base = 10_000_000 + zlib.crc32(salt.encode()) % 80_000_000
    return "\n".join(f"{n}. {base + n * 1009}" for n in range(1, count + 1))


def bulk_accounts(owner: Any, first: int, count: int, codes: int) -> list[Any]:
    """``count`` accounts owned by ``owner``, each with a sealed data key and ``codes`` codes."""
    from sparekey.accounts.models import Account, AccountRole, Grant
    from sparekey.backup_codes.models import BackupCode, CodeSet
    from sparekey.crypto import Key, blob_key_id
    from sparekey.keys import keyring

    ring = keyring()
    made: list[Any] = []
    batch = 2000
    for start in range(first, first + count, batch):
        accounts, keys = [], []
        for n in range(start, min(start + batch, first + count)):
            account = Account(name=f"Account {n:06d}", app="Bench app", created_by=owner)
            data_key = Key.generate()
            account.wrapped_data_key = ring.wrap_data_key(data_key, account.uuid)
            account.key_id = blob_key_id(account.wrapped_data_key)
            accounts.append(account)
            keys.append(data_key)
        Account.objects.bulk_create(accounts)
        Grant.objects.bulk_create(
            [Grant(account=a, member=owner, role=AccountRole.OWNER) for a in accounts]
        )
        if codes:
            sets = CodeSet.objects.bulk_create(
                [CodeSet(account=a, created_by=owner) for a in accounts]
            )
            rows = []
            for account, data_key, code_set in zip(accounts, keys, sets, strict=True):
                for position in range(1, codes + 1):
                    row = BackupCode(code_set=code_set, position=position)
                    row.seal(account, data_key, f"{position:02d}{account.uuid.hex[:6]}")
                    rows.append(row)
            BackupCode.objects.bulk_create(rows, batch_size=5000)
        made.extend(accounts)
    return made


def login_session(member: Any) -> dict[str, str]:
    """Log ``member`` in as the login view does, with identity confirmed, and a CSRF token."""
    from django.conf import settings
    from django.contrib.auth import login
    from django.http import HttpRequest
    from django.middleware.csrf import get_token
    from django.utils.module_loading import import_string

    from sparekey.workspace.confirmation import mark_confirmed

    request = HttpRequest()
    request.META = {"REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80"}
    request.session = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    login(request, member, backend="django.contrib.auth.backends.ModelBackend")
    mark_confirmed(request)
    request.session.save()
    form_token = get_token(request)
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={request.session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={request.META['CSRF_COOKIE']}",
        "csrf": form_token,
    }


def seed(plan: dict[str, Any]) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password

    from sparekey.accounts.services import add_account
    from sparekey.api.tokens import issue
    from sparekey.backup_codes.services import save_codes
    from sparekey.workspace.models import Member, WorkspaceRole

    started = time.monotonic()
    password = "bench passphrase that is long enough"
    hashed = make_password(password)  # Argon2 once (0.1 s), not once per member

    def member(email: str, role: str = WorkspaceRole.USER) -> Member:
        made = Member(email=email, role=role, name=email.split("@")[0], password=hashed)
        made.full_clean()
        made.save()
        return made

    member("owner@bench.example", WorkspaceRole.OWNER)
    out: dict[str, Any] = {"password": password}

    # The measured member holds `member_accounts` accounts with 10 codes each.
    holder = member("holder@bench.example")
    held = bulk_accounts(holder, 0, plan["member_accounts"], codes=10)
    out["holder"] = login_session(holder)
    out["holder"]["token"] = issue(holder, name="bench", scopes=["read"])[1]
    out["account_page"] = f"/accounts/{held[0].uuid}/"
    next_index = plan["member_accounts"]

    # Growth: members holding 10, 100, ... accounts (the measured member stands for its size).
    out["growth"] = {}
    for size in plan["growth"]:
        if size == plan["member_accounts"]:
            out["growth"][str(size)] = out["holder"]
            continue
        grower = member(f"holds-{size}@bench.example")
        bulk_accounts(grower, next_index, size, codes=10)
        next_index += size
        out["growth"][str(size)] = login_session(grower)

    # Owners who claim and view codes: each their own accounts, made through the services.
    out["claimers"] = []
    for n in range(plan["claimers"]):
        claimer = member(f"claimer-{n:02d}@bench.example")
        view = add_account(claimer, name=f"Viewed {n:02d}", app="Bench app")
        save_codes(claimer, view, code_paste(10, f"view{n}"))
        claims = []
        for k in range(plan["claim_accounts_each"]):
            account = add_account(claimer, name=f"Claimed {n:02d}-{k:02d}", app="Bench app")
            save_codes(claimer, account, code_paste(plan["claim_codes"], f"claim{n}-{k}"))
            claims.append(str(account.uuid))
            next_index += 1
        next_index += 1
        session = login_session(claimer)
        session["token"] = issue(claimer, name="bench", scopes=["read", "use"])[1]
        session["view"] = str(view.uuid)
        session["claims"] = claims
        out["claimers"].append(session)

    # The rest of the workspace, in blocks of 1,000 accounts per Owner.
    rest = plan["workspace_accounts"] - next_index
    filler_index = 0
    while rest > 0:
        size = min(1000, rest)
        filler = member(f"filler-{filler_index:03d}@bench.example")
        bulk_accounts(filler, next_index, size, codes=0)
        next_index += size
        rest -= size
        filler_index += 1
    out["workspace_accounts"] = next_index
    # A database in use has planner statistics; one just bulk-loaded has none until autovacuum
    # comes by, and PostgreSQL would plan the measured pages for empty tables.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    out["seconds"] = round(time.monotonic() - started, 1)
    return out


def main() -> None:
    plan_path, out_path = Path(sys.argv[1]), Path(sys.argv[2])
    django.setup()
    out = seed(json.loads(plan_path.read_text()))
    descriptor = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(out, handle)


if __name__ == "__main__":
    main()
