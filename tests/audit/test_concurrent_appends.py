"""Eight processes append to the audit chains at once: unbroken chains, no event lost.

Real processes (tests/audit/appender.py) with the test's data directory, and so its master key,
on the test's database. They append to the workspace chain, all to one shared account, and each
to an account of its own (four accounts for eight processes, so pairs share those too), and
every account's chain is started during the run, by several processes at once for the shared
one. On PostgreSQL appends to one chain queue on SELECT ... FOR UPDATE of its head row; on
SQLite all queue on the write lock that IMMEDIATE transactions take. The same ``record`` with
that lock taken away runs as a negative control: the checks must catch it.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from sparekey.accounts.models import Account
from sparekey.audit.models import Action, AuditEvent
from sparekey.audit.verify import verify_chain
from sparekey.keys import keyring

PROCESSES = 8
ROOT = Path(__file__).resolve().parents[2]


def appends_per_process() -> int:
    # The 8 x 1,000 on PostgreSQL. SQLite gets 8 x 250: its appends queue on one file
    # lock whose waiters sleep and poll, and 8 x 1,000 took 70-80 s on the 2-core machines.
    return 1_000 if connection.vendor == "postgresql" else 250


def make_accounts(count: int) -> list[int]:
    return [
        Account.objects.create(name=f"Brand {n}", app="Mail", key_id="", wrapped_data_key=b"").pk
        for n in range(count)
    ]


def run_appenders(count: int, *, unlocked: bool = False, accounts: list[int] | None = None) -> int:
    """Start the processes, let them all go at once; return how many appends were refused."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SPAREKEY_DATA_DIR": str(settings.DATA_DIR)}
    command = [sys.executable, "-m", "tests.audit.appender", str(connection.settings_dict["NAME"])]
    variant = ["--unlocked"] if unlocked else []
    if accounts:
        variant += ["--accounts", ",".join(map(str, accounts))]
    processes = [
        subprocess.Popen(
            [*command, str(process), str(count), *variant],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for process in range(PROCESSES)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline() == "ready\n", process.communicate()[1]
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=600) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for process, (_, errors) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, errors
    return sum(int(out.split()[-1]) for out, _ in outputs)


def chain_problems(count: int) -> list[str]:
    """What is wrong with the chain that PROCESSES x ``count`` appends should have left."""
    problems = []
    appends = AuditEvent.objects.exclude(action=Action.CHAIN_OPENED)
    if appends.count() != PROCESSES * count:
        problems.append(f"{appends.count()} events, not {PROCESSES * count}")
    seqs = list(AuditEvent.objects.values_list("seq", flat=True))
    if len(seqs) != len(set(seqs)):
        problems.append("two events have the same seq")
    for name in set(AuditEvent.objects.values_list("chain", flat=True)):
        places = list(
            AuditEvent.objects.filter(chain=name)
            .order_by("seq")
            .values_list("chain_seq", flat=True)
        )
        if places != list(range(1, len(places) + 1)):
            problems.append(f"chain {name!r} is not numbered 1..{len(places)} in seq order")
        if name and AuditEvent.objects.filter(detail__chain=name).count() != 1:
            problems.append(f"chain {name!r} was not started exactly once")
    appended = Counter(
        (detail["process"], detail["n"]) for detail in appends.values_list("detail", flat=True)
    )
    if set(appended) != {(p, n) for p in range(PROCESSES) for n in range(count)}:
        problems.append("some process's appends are missing")
    if any(times > 1 for times in appended.values()):
        problems.append("an append was recorded twice")
    report = verify_chain()
    if not report.ok:
        problems.append(f"broken at #{report.first_bad_seq}: {report.problem}")
    return problems


def turns_taken() -> int:
    """How often the chain passes from one process's event to another's."""
    processes = [
        d["process"]
        for d in AuditEvent.objects.exclude(action=Action.CHAIN_OPENED)
        .order_by("seq")
        .values_list("detail", flat=True)
    ]
    return sum(1 for before, after in itertools.pairwise(processes) if before != after)


@pytest.mark.django_db(transaction=True)
def test_eight_processes_appending_at_once_leave_one_unbroken_chain() -> None:
    keyring()  # the processes load the key file this creates
    count = appends_per_process()
    assert run_appenders(count) == 0
    assert chain_problems(count) == []
    assert verify_chain().events == PROCESSES * count
    # One after another would pass the chain between processes PROCESSES - 1 times; any more
    # proves the appends overlapped (how much more depends on the machine's load).
    assert turns_taken() > PROCESSES - 1, "the processes did not append at the same time"


@pytest.mark.django_db(transaction=True)
def test_eight_processes_appending_to_shared_and_own_accounts_leave_unbroken_chains() -> None:
    keyring()
    count = appends_per_process()
    accounts = make_accounts(1 + PROCESSES // 2)
    assert run_appenders(count, accounts=accounts) == 0
    assert chain_problems(count) == []
    report = verify_chain()
    assert report.chains == 1 + len(accounts)
    assert report.events == PROCESSES * count + len(accounts)  # + one chain_opened each
    assert turns_taken() > PROCESSES - 1, "the processes did not append at the same time"


@pytest.mark.django_db(transaction=True)
def test_the_checks_catch_appends_without_the_lock() -> None:
    keyring()
    count = 50
    refused = run_appenders(count, unlocked=True)
    assert refused > 0
    assert chain_problems(count) != []
