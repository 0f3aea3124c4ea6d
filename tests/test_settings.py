"""Settings read from the environment, checked in a fresh interpreter as a server would start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SHOW = """
import django, json
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    mode = cursor.fetchone()[0]
print(json.dumps({"mode": mode, "transaction_mode": connection.transaction_mode}))
"""


def test_a_sqlite_database_url_keeps_wal_and_immediate_transactions(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sparekey.settings",
        "SPAREKEY_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}",
    }
    out = subprocess.run(
        [sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == {"mode": "wal", "transaction_mode": "IMMEDIATE"}
    assert (tmp_path / "elsewhere.sqlite3").exists()
