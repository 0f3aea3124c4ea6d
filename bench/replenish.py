"""Keep the claimed accounts supplied: `python -m bench.replenish OUT.json` until stopped.

Claims use codes up; when an account runs low, its Owner replaces the set (Sparekey's own
save_codes, with its audit event), as a person would. Replacing while claims run is part of the
load: a claim never waits for codes that are not there, so the bench sees no 409.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType

import django

LOW = 40  # codes left when a set is replaced: more than one poll interval's worth of claims


def main() -> None:
    out = json.loads(Path(sys.argv[1]).read_text())
    codes = int(sys.argv[2])
    django.setup()
    from sparekey.accounts.models import Account
    from sparekey.backup_codes.services import save_codes, summary
    from sparekey.workspace.models import Member

    from .seed import code_paste

    running = True

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    owners = {}
    for n, claimer in enumerate(out["claimers"]):
        owner = Member.objects.get(email=f"claimer-{n:02d}@bench.example")
        for uuid in claimer["claims"]:
            owners[uuid] = (owner, Account.objects.get(uuid=uuid))
    generation = 0
    while running:
        for owner, account in owners.values():
            if summary(account).unused < LOW:
                generation += 1
                save_codes(owner, account, code_paste(codes, f"refill{generation}"))
        time.sleep(0.1)


if __name__ == "__main__":
    main()
