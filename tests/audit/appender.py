"""One process of tests/audit/test_concurrent_appends.py: append audit events to a database.

    python -m tests.audit.appender DATABASE_NAME PROCESS COUNT [--accounts PK,PK,...] [--unlocked]

It runs the real settings (SPAREKEY_DATA_DIR and DATABASE_URL from the environment, so the same
master key and server as the test) on the database named, prints "ready" once connected, waits
for a line on stdin so that every process starts at once, appends COUNT events with
``chain.record`` and prints "done LOST". With --accounts, the events take turns between the
workspace chain, the first account's chain (which every process appends to) and one account of
the rest, chosen by PROCESS (so several processes write to different accounts at once).

--unlocked is the negative control: the same ``record`` with its lock taken away (no SELECT ...
FOR UPDATE of the head row; SQLite transactions DEFERRED instead of IMMEDIATE). Appends then
collide, and LOST counts those the database refused.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("process", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--accounts", default="")
    parser.add_argument("--unlocked", action="store_true")
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "sparekey.settings"
    from django.conf import settings

    database = settings.DATABASES["default"]
    # The test database, not the one the settings would name (it is created for the test run).
    database["NAME"] = args.database
    if args.unlocked and database["ENGINE"].endswith("sqlite3"):
        database["OPTIONS"]["transaction_mode"] = "DEFERRED"
    import django

    django.setup()
    from django.db import IntegrityError, OperationalError, connection
    from django.db.models import QuerySet

    from sparekey.accounts.models import Account
    from sparekey.audit import chain
    from sparekey.audit.models import Action
    from sparekey.keys import keyring

    if args.unlocked:
        QuerySet.select_for_update = lambda self, *_, **__: self  # type: ignore[method-assign]
    connection.ensure_connection()
    pks = [int(pk) for pk in args.accounts.split(",") if pk]
    accounts = {pk: Account.all_objects.get(pk=pk) for pk in pks}
    # None: the workspace chain; then the shared account; then this process's own account.
    targets = (
        [None, accounts[pks[0]], accounts[pks[1 + args.process % (len(pks) - 1)]]]
        if pks
        else [None]
    )
    keyring()
    print("ready", flush=True)
    sys.stdin.readline()
    lost = 0
    # SQLite's waiters sleep and poll for its one write lock, so a process that appends in a
    # tight loop takes the lock back before any of them wakes, and the processes end up taking
    # turns by the whole run. A pause after each append, as a server has between requests,
    # lets them really interleave.
    pause = 0.001 if connection.vendor == "sqlite" else 0.0
    for n in range(args.count):
        try:
            chain.record(
                Action.CODE_USED,
                account=targets[n % len(targets)],
                detail={"process": args.process, "n": n},
            )
        except (IntegrityError, OperationalError):
            if not args.unlocked:
                raise
            lost += 1
        if pause:
            time.sleep(pause)
    print(f"done {lost}", flush=True)


if __name__ == "__main__":
    main()
