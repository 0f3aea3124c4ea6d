"""`python -m bench.profile [PAGE ...]`: where a request's time goes, with pyinstrument.

Seeds a small workspace the way the bench does (temporary data directory, SQLite), then serves
each page 200 times in one process through Django's test client under pyinstrument and prints
the profile. PAGE is one of: dashboard, account, view-codes, use-next-code, api-claim, api-list.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from .run import Database, Plan

PAGES = ("dashboard", "account", "view-codes", "use-next-code", "api-claim", "api-list")


def profile_inside(seeded_path: Path, pages: list[str]) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment
    from pyinstrument import Profiler

    setup_test_environment()  # the test client's Host is "testserver"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    seeded = json.loads(seeded_path.read_text())
    holder, claimer = seeded["holder"], seeded["claimers"][0]

    def client_of(session: dict[str, str]) -> Client:
        client = Client()
        for part in session["cookie"].split("; "):
            name, value = part.split("=", 1)
            client.cookies[name] = value
        return client

    def request(page: str, n: int) -> Any:
        account = claimer["claims"][n % len(claimer["claims"])]
        if page == "dashboard":
            return client_of(holder).get("/")
        if page == "account":
            return client_of(holder).get(seeded["account_page"])
        if page == "view-codes":
            return client_of(claimer).get(f"/accounts/{claimer['view']}/backup-codes/")
        if page == "use-next-code":
            return client_of(claimer).post(
                f"/accounts/{account}/backup-codes/next/",
                {"csrfmiddlewaretoken": claimer["csrf"]},
            )
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {claimer['token']}"}
        if page == "api-claim":
            # As wrk sends it: no body, no Content-Type.
            return Client().generic(
                "POST", f"/api/v1/accounts/{account}/backup-codes/claim", **bearer
            )
        holder_bearer = {"HTTP_AUTHORIZATION": f"Bearer {holder['token']}"}
        return Client().get("/api/v1/accounts", **holder_bearer)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        for n in range(5):
            answer = request(page, n)
            assert answer.status_code == 200, (page, answer.status_code, answer.content[:300])
        with CaptureQueriesContext(connection) as queries:
            request(page, 5)
        print(f"===== {page}: {len(queries)} SQL queries")
        for query in queries:
            print(f"  {query['time']}s  {query['sql'][:150]}")
        profiler = Profiler(interval=0.0005)
        with profiler:
            for n in range(200):
                request(page, n)
        print(f"===== {page}: 200 requests")
        print(profiler.output_text(unicode=False, color=False, show_all=False))


def main() -> None:
    if sys.argv[1:2] == ["--inside"]:
        profile_inside(Path(sys.argv[2]), sys.argv[3:])
        return
    pages = sys.argv[1:] or list(PAGES)
    root = Path(tempfile.mkdtemp(prefix="sparekey-profile-"))
    try:
        db = Database("sqlite", root, None)
        db.sparekey("migrate", "--noinput", "-v0")
        plan = Plan.make(quick=True).seed_plan() | {"workspace_accounts": 2_000, "growth": []}
        (root / "plan.json").write_text(json.dumps(plan))
        db.python("-m", "bench.seed", str(root / "plan.json"), str(root / "seeded.json"))
        print(db.python("-m", "bench.profile", "--inside", str(root / "seeded.json"), *pages))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
