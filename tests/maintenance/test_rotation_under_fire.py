"""`sparekey rotate-key` killed with SIGKILL at random moments, again and again, over 2,000
accounts: every run leaves every data key wrapped by a key that the keyring file holds, the last
run finishes, everything opens with the new key alone, and the old keys can be retired. The same
while another process (a server started before the first rotation) claims and replaces codes.

The kill points are random: a delay from the start (loading, saving the keyring, the first
batches), or a number of progress lines (batches committed) read before the kill. The seed is
printed; SPAREKEY_KILL_SEED=N replays a run. A rotation with its order broken (rewrap before the
keyring is saved) runs through the same check as a negative control: the check must catch it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.maintenance.conftest import Vault, wait_for_log

ACCOUNTS = 2_000
CODES = 3
KILLS = 20
BATCH = 25
BATCHES = ACCOUNTS // BATCH + 2  # progress lines of one full run (and the audit key, the start)


def lost_keys(vault: Vault) -> set[str]:
    """Master keys the data needs that the keyring file lacks: what a bad kill loses."""
    _, ids = vault.keyring()  # also: the file is whole (an atomic write)
    return vault.needed_key_ids() - set(ids)


def kill_at_random(vault: Vault, chooser: random.Random) -> str:
    process = vault.popen(
        "rotate-key",
        "--batch-size",
        str(BATCH),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    if chooser.random() < 0.3:
        delay = chooser.uniform(0.0, 2.0)
        time.sleep(delay)
        where = f"after {delay:.2f}s"
    else:
        lines = chooser.randint(1, BATCHES)
        read = sum(1 for _ in zip(range(lines), process.stdout, strict=False))
        time.sleep(chooser.uniform(0, 0.005))
        where = f"after {read} progress lines"
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
        outcome = f"killed {where}"
    else:
        outcome = f"finished before the kill ({where})"
    process.wait(timeout=60)
    process.stdout.close()
    return outcome


def kill_again_and_again(vault: Vault) -> list[str]:
    seed = int(os.environ.get("SPAREKEY_KILL_SEED", random.randrange(1 << 30)))
    print(f"SPAREKEY_KILL_SEED={seed}")
    chooser = random.Random(seed)
    outcomes: list[str] = []
    kills = 0
    # At least KILLS runs, and on, up to three times as many, until half of KILLS were really
    # killed: on a quiet machine a whole rotation takes half a second, and many runs finish
    # before their kill point comes.
    while len(outcomes) < KILLS or (kills < KILLS // 2 and len(outcomes) < 3 * KILLS):
        started = time.monotonic()
        outcome = kill_at_random(vault, chooser) + f" [{time.monotonic() - started:.1f}s]"
        outcomes.append(outcome)
        kills += outcome.startswith("killed")
        run = len(outcomes) - 1
        assert lost_keys(vault) == set(), f"run {run} ({outcome}) lost a key (seed {seed})"
    print("\n".join(outcomes))
    assert kills >= KILLS // 2, f"only {kills} of {len(outcomes)} runs were killed (seed {seed})"
    return outcomes


def finish_and_retire(vault: Vault) -> str:
    vault.ok("rotate-key", "--batch-size", str(BATCH))
    current, ids = vault.keyring()
    assert vault.needed_key_ids() == {current}
    old = [key_id for key_id in ids if key_id != current]
    assert old, "no rotation ever started"
    assert "Retired master key" in vault.ok("rotate-key", "--retire", *old)
    assert vault.keyring() == (current, [current])
    return current


def test_rotation_killed_at_random_loses_nothing(vault: Vault) -> None:
    assert vault.script("populate", str(ACCOUNTS), str(CODES))["codes"] == ACCOUNTS * CODES
    kill_again_and_again(vault)
    current = finish_and_retire(vault)
    opened = vault.script("check")  # with the new key alone: the keyring holds nothing else
    assert opened["wrong"] == []
    assert (opened["accounts"], opened["codes"], opened["key_ids"]) == (
        ACCOUNTS,
        ACCOUNTS * CODES,
        [current],
    )
    assert "Everything opens and the audit chain is intact" in vault.ok("verify")


def test_rotation_killed_at_random_while_codes_are_claimed_and_replaced(
    vault: Vault, tmp_path: Path
) -> None:
    vault.script("populate", str(ACCOUNTS), str(CODES))
    log, stop = tmp_path / "workload.log", tmp_path / "stop"
    server = vault.popen("workload", str(log), str(stop), script=True, stderr=subprocess.PIPE)
    try:
        wait_for_log(log, 1, server)
        kill_again_and_again(vault)
        current = finish_and_retire(vault)
        time.sleep(0.5)  # the server goes on with only the new key in the keyring file
    finally:
        stop.touch()
        _, errors = server.communicate(timeout=60)
    assert server.returncode == 0, errors
    opened = vault.script("check", str(log))
    assert opened["errors"] == []
    assert opened["wrong"] == []
    assert opened["claimed"] > 0 and opened["saved"] > 0
    assert opened["key_ids"] == [current]
    assert "Everything opens and the audit chain is intact" in vault.ok("verify")


def test_the_check_catches_a_rotation_that_wraps_before_it_saves_the_key(vault: Vault) -> None:
    vault.script("populate", "500", "1")
    process = vault.popen(
        "wrong-order-rotate", script=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    for _ in zip(range(4), process.stdout, strict=False):
        pass  # a few batches are committed
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    process.stdout.close()
    assert lost_keys(vault), "the check did not notice data wrapped by a key that was never saved"
    with pytest.raises(AssertionError):
        vault.ok("verify")
