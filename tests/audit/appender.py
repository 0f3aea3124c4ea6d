"""One process of tests/audit/test_concurrent_appends.py: append audit events to a database.

    python -m tests.audit.appender DATABASE_NAME PROCESS COUNT [--unlocked]

It runs the real settings (SPAREKEY_DATA_DIR and DATABASE_URL from the environment, so the same
master key and server as the test) on the database named, prints "ready" once connected, waits
for a line on stdin so that every process starts at once, appends COUNT events with
``chain.record`` and prints "done LOST".

--unlocked is the negative control: the same ``record`` with its lock taken away (no SELECT ...
FOR UPDATE of the head row; SQLite transactions DEFERRED instead of IMMEDIATE). Appends then
collide, and LOST counts those the database refused.
"""

from __future__ import annotations

import argparse
import os
import sys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("process", type=int)
    parser.add_argument("count", type=int)
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

    from sparekey.audit import chain
    from sparekey.audit.models import Action
    from sparekey.keys import keyring

    if args.unlocked:
        QuerySet.select_for_update = lambda self, *_, **__: self  # type: ignore[method-assign]
    connection.ensure_connection()
    keyring()
    print("ready", flush=True)
    sys.stdin.readline()
    lost = 0
    for n in range(args.count):
        try:
            chain.record(Action.CODE_USED, detail={"process": args.process, "n": n})
        except (IntegrityError, OperationalError):
            if not args.unlocked:
                raise
            lost += 1
    print(f"done {lost}", flush=True)


if __name__ == "__main__":
    main()
