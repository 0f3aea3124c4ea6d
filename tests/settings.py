"""Settings for the test suite: the real settings, a throw-away data directory, a fast hasher.

SPAREKEY_TEST_DB=postgres runs the suite on the PostgreSQL server named by SPAREKEY_TEST_POSTGRES
(default postgres://postgres@127.0.0.1:5432/postgres; Django creates and drops test_<name>).
"""

import os
import tempfile

os.environ["SPAREKEY_DATA_DIR"] = tempfile.mkdtemp(prefix="sparekey-test-")
os.environ.pop("SPAREKEY_MASTER_KEY", None)
if os.environ.get("SPAREKEY_TEST_DB") == "postgres":
    os.environ["DATABASE_URL"] = os.environ.get(
        "SPAREKEY_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres"
    )
else:
    os.environ.pop("DATABASE_URL", None)

from sparekey.settings import *  # noqa: F403
from sparekey.settings import DATA_DIR, DATABASES

# A real file, not :memory:, so that tests can read the database file an attacker would steal
# and threads in concurrency tests get connections of their own.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # One test database per run: two runs on one server (CI beside a developer) never clash.
    DATABASES["default"]["TEST"] = {"NAME": f"test_sparekey_{os.getpid()}"}

# Argon2 is the real hasher (tests/workspace/test_passwords.py checks it); tests log in a lot.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
