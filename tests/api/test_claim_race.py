"""Two Owners' scripts claim codes at the same moment through two server processes.

40 claims race for 20 codes across two `sparekey serve` processes on one database: exactly 20
distinct codes come out, every other claim is 409 no_unused_codes, and the audit chain that
both processes appended to still verifies.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.live import LiveSparekey, call

CODES = 20
CLAIMS = 40


@pytest.fixture
def live(tmp_path: Path, migrated_data_dir: Path) -> Iterator[LiveSparekey]:
    sparekey = LiveSparekey(tmp_path, migrated_data_dir)
    try:
        yield sparekey
    finally:
        sparekey.close()


def test_forty_claims_through_two_servers_hand_out_each_of_twenty_codes_once(
    live: LiveSparekey,
) -> None:
    live.add_member("alice@example.com", "owner")
    live.add_member("bob@example.com")
    live.run(
        "addaccount", "Brand X", "--app", "X",
        "--owner", "alice@example.com", "--owner", "bob@example.com",
    )  # fmt: skip
    tokens = [
        live.token("alice@example.com", "read", "use", "manage"),
        live.token("bob@example.com", "use"),
    ]
    limits = {"SPAREKEY_REVEALS_PER_HOUR": "1000", "SPAREKEY_API_REQUESTS_PER_MINUTE": "1000"}
    servers = [live.serve(**limits), live.serve(**limits)]

    status, page = call(servers[0], "GET", "/accounts", tokens[0])
    assert status == 200, page
    account = page["accounts"][0]["id"]
    codes = [f"{secrets.token_hex(3)[:5]}-{secrets.token_hex(3)[:5]}" for _ in range(CODES)]
    status, saved = call(
        servers[1], "PUT", f"/accounts/{account}/backup-codes", tokens[0], {"codes": codes}
    )
    assert (status, saved["saved"]) == (201, CODES), saved

    barrier = threading.Barrier(CLAIMS)
    results: list[Any] = [None] * CLAIMS

    def claimant(index: int) -> None:
        barrier.wait(timeout=30)
        base, token = servers[index % 2], tokens[(index // 2) % 2]
        results[index] = call(base, "POST", f"/accounts/{account}/backup-codes/claim", token)

    threads = [threading.Thread(target=claimant, args=(i,)) for i in range(CLAIMS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    live.stop()

    claimed = [body["code"] for status, body in results if status == 200]
    refused = [body["error"]["code"] for status, body in results if status == 409]
    assert len(claimed) + len(refused) == CLAIMS, results
    assert sorted(claimed) == sorted(codes)  # each code exactly once
    assert refused == ["no_unused_codes"] * (CLAIMS - CODES)
    report = live.verify_audit_chain()
    assert report["ok"], report
