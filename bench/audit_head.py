"""What the audit chain's head costs under concurrent writers: `python -m bench.audit_head`.

N writer processes (1, 2, 4, 8, 16), each with its own database connection, run the same
transaction for a fixed time: a claim (a conditional UPDATE of a backup-code row) and its audit
event, committed together. Three variants of that transaction:

- ``chain``: the event appended with ``sparekey.audit.chain.record``, as Sparekey does it;
- ``plain``: the same event inserted with no chain at all (no head row, no MAC) - the ceiling
  the chain is measured against;

and two ways of spreading the claims: ``spread`` (each claim on one of 64 accounts, at random)
and ``one-account`` (every writer claims on the same account, as a team does in an incident).

It makes its own PostgreSQL database (sparekey_audithead_<pid>) and SQLite file in a temporary
data directory, and drops both at the end. SQLite has a single writer, so its figures are
expected to stay flat whatever N is. After each database's runs it checks the chain with
``verify_chain``. Printed: appends/s and p50/p99 transaction latency (ms) per row.

    python -m bench.audit_head [--seconds 5] [--writers 1,2,4,8,16] [--only postgres|sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = "postgres://postgres@127.0.0.1:5432"
ACCOUNTS = 64
CODES_PER_ACCOUNT = 20
VARIANTS = ("chain", "plain")
SPREADS = ("spread", "one-account")


def django_setup() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "sparekey.settings"
    import django

    django.setup()


# --- in a child process (the settings read DATABASE_URL and SPAREKEY_DATA_DIR from env) ---


def prepare() -> None:
    """Migrate and seed: one Owner, ACCOUNTS accounts with CODES_PER_ACCOUNT codes each."""
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench.seed import bulk_accounts
    from sparekey.workspace.models import Member

    owner = Member.objects.create_member("owner@bench.invalid", None)
    bulk_accounts(owner, 1, ACCOUNTS, CODES_PER_ACCOUNT)


def write(variant: str, spread: str, seconds: float, writer: int) -> None:
    """One writer: wait for "go" on stdin, claim for ``seconds``, print counts and latencies."""
    django_setup()
    from django.db import connection, transaction
    from django.db.models import Q
    from django.utils import timezone

    from sparekey.accounts.models import Account
    from sparekey.audit import chain
    from sparekey.audit.models import Action, AuditEvent
    from sparekey.backup_codes.models import BackupCode
    from sparekey.keys import keyring
    from sparekey.workspace.models import Member

    keyring()
    owner = Member.objects.get()
    accounts = list(Account.objects.order_by("pk"))
    codes: dict[int, list[int]] = {}
    for account_pk, code_pk in BackupCode.objects.values_list("code_set__account", "pk"):
        codes.setdefault(account_pk, []).append(code_pk)
    # The same bench runs against the single chain it replaced (docs/audit-chain.md's "before").
    split_chains = any(f.name == "chain_seq" for f in AuditEvent._meta.fields)
    rng = random.Random()  # seeded from the OS: each run's plain events get fresh seqs
    connection.ensure_connection()
    if variant == "chain":  # open the audit key before the clock starts, as a server has
        chain.record(Action.LOGIN, detail={"writer": writer})
    print("ready", flush=True)
    sys.stdin.readline()

    latencies: list[float] = []
    failed = 0
    waited = 0.0  # in the statement that locks a chain head: waiting for another writer

    def time_the_head_lock(execute: Any, sql: str, *rest: Any) -> Any:
        nonlocal waited
        if "FOR UPDATE" not in sql or '"audit_chainhead"' not in sql:
            return execute(sql, *rest)
        started = time.perf_counter()
        try:
            return execute(sql, *rest)
        finally:
            waited += time.perf_counter() - started

    connection.execute_wrappers.append(time_the_head_lock)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        account = accounts[0] if spread == "one-account" else rng.choice(accounts)
        code_pk = rng.choice(codes[account.pk])
        started = time.perf_counter()
        try:
            with transaction.atomic():
                # A claim that finds its code used gives it back, so that codes never run out:
                # either way, one conditional UPDATE of one code row.
                claimed = BackupCode.objects.filter(pk=code_pk, used_at__isnull=True).update(
                    used_at=timezone.now(), used_by=owner
                )
                if not claimed:
                    BackupCode.objects.filter(Q(pk=code_pk)).update(used_at=None, used_by=None)
                detail = {"code": code_pk % 100, "writer": writer}
                if variant == "chain":
                    chain.record(Action.CODE_USED, actor=owner, account=account, detail=detail)
                else:
                    seq = -rng.getrandbits(62)  # unique without asking anyone
                    AuditEvent.objects.create(
                        seq=seq,
                        **({"chain": "plain", "chain_seq": seq} if split_chains else {}),
                        action=Action.CODE_USED,
                        actor=owner,
                        actor_email=owner.email,
                        account=account,
                        account_uuid=account.uuid,
                        account_name=account.name,
                        detail=detail,
                    )
        except Exception as error:
            if not failed:
                print(f"writer {writer}: {type(error).__name__}: {error}", file=sys.stderr)
            failed += 1
            continue
        latencies.append(time.perf_counter() - started)
    print(json.dumps({"latencies": latencies, "failed": failed, "waited": waited}), flush=True)


def verify() -> None:
    django_setup()
    from sparekey.audit.models import AuditEvent
    from sparekey.audit.verify import verify_chain

    AuditEvent.objects.filter(seq__lt=0).delete()  # the plain runs' events, outside any chain
    report = verify_chain()
    print(json.dumps({"ok": report.ok, "events": report.events, "problem": report.problem}))


# --- the driver ---


def child(env: dict[str, str], *args: str, stdin: Any = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.audit_head", *args],
        cwd=ROOT,
        env=env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> str:
    out, errors = process.communicate(timeout=900)
    if errors.strip() and process.returncode == 0:
        print(errors.strip()[-500:], file=sys.stderr)
    if process.returncode != 0:
        raise SystemExit(f"bench.audit_head child failed:\n{errors[-3000:]}")
    return out


def run_writers(env: dict[str, str], variant: str, spread: str, n: int, seconds: float) -> dict:
    writers = [
        child(env, "--write", variant, spread, str(seconds), str(i), stdin=subprocess.PIPE)
        for i in range(n)
    ]
    try:
        for process in writers:
            assert process.stdout is not None
            if process.stdout.readline() != "ready\n":
                finish(process)
        for process in writers:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [json.loads(finish(process).splitlines()[-1]) for process in writers]
    finally:
        for process in writers:
            if process.poll() is None:
                process.kill()
    latencies = sorted(x for r in results for x in r["latencies"])
    return {
        "appends_per_s": len(latencies) / seconds,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0,
        "failed": sum(r["failed"] for r in results),
        # The share of all transaction time spent locking a chain head (0 without a chain).
        "head_wait": sum(r.get("waited", 0.0) for r in results) / (sum(latencies) or 1.0),
    }


def run_database(name: str, env: dict[str, str], writers: list[int], seconds: float) -> None:
    finish(child(env, "--prepare"))
    print(
        f"\n{name}: appends/s (p50 / p99 ms per transaction) and, for the chain, the share of "
        f"transaction time spent locking a chain head; {seconds:g} s per row"
    )
    print(f"{'writers':>7}  " + "  ".join(f"{v + ' ' + s:>28}" for s in SPREADS for v in VARIANTS))
    for n in writers:
        cells = []
        for spread in SPREADS:
            for variant in VARIANTS:
                r = run_writers(env, variant, spread, n, seconds)
                failed = f" !{r['failed']}" if r["failed"] else ""
                wait = f" {100 * r['head_wait']:3.0f}%" if variant == "chain" else "     "
                rate = f"{r['appends_per_s']:6.0f} ({r['p50_ms']:5.1f} /{r['p99_ms']:6.1f})"
                cells.append(f"{rate}{wait}{failed}")
        print(f"{n:>7}  " + "  ".join(f"{c:>28}" for c in cells), flush=True)
    report = json.loads(finish(child(env, "--verify")).splitlines()[-1])
    print(f"chain after the runs: ok={report['ok']} events={report['events']} {report['problem']}")


def postgres_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--writers", default="1,2,4,8,16")
    parser.add_argument("--only", choices=("postgres", "sqlite"))
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--verify", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        return prepare()
    if args.write:
        variant, spread, seconds, writer = args.write
        return write(variant, spread, float(seconds), int(writer))
    if args.verify:
        return verify()

    writers = [int(n) for n in args.writers.split(",")]
    data_dir = Path(tempfile.mkdtemp(prefix="sparekey-audithead-"))
    database = f"sparekey_audithead_{os.getpid()}"
    base = {**os.environ, "PYTHONPATH": str(ROOT), "SPAREKEY_DATA_DIR": str(data_dir)}
    base.pop("SPAREKEY_MASTER_KEY", None)
    try:
        if args.only in (None, "postgres"):
            postgres_admin(f'CREATE DATABASE "{database}"')
            try:
                env = {**base, "DATABASE_URL": f"{POSTGRES}/{database}"}
                run_database("PostgreSQL", env, writers, args.seconds)
            finally:
                postgres_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if args.only in (None, "sqlite"):
            env = {**base, "DATABASE_URL": f"sqlite:///{data_dir / 'bench.sqlite3'}"}
            run_database("SQLite", env, writers, args.seconds)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
