"""Eight Owners press Use next code at the same moment, again and again: no code twice.

Real threads, each with its own database connection. A deliberately unguarded read-then-write
claim runs through the same trials as a negative control: the test must catch it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from sparekey.accounts.models import Account, AccountRole, Grant
from sparekey.accounts.services import add_account
from sparekey.backup_codes.models import BackupCode
from sparekey.backup_codes.services import NoUnusedCodes, claim_next_code, save_codes
from sparekey.workspace.models import Member
from tests.conftest import make_member

CLAIMANTS = 8
CODES = 5
Claim = Callable[[Member, Account], str]


def unguarded_claim(member: Member, account: Account) -> str:
    """The bug the real claim avoids: read the next unused code, then mark it without a guard."""
    candidate = (
        BackupCode.objects.filter(code_set__account=account, used_at__isnull=True)
        .order_by("position")
        .first()
    )
    if candidate is None:
        raise NoUnusedCodes
    time.sleep(0.002)  # widen the window between the read and the write
    with transaction.atomic():
        BackupCode.objects.filter(pk=candidate.pk).update(used_at=timezone.now(), used_by=member)
    return candidate.open(account, account.data_key())


def guarded_claim(member: Member, account: Account) -> str:
    return claim_next_code(member, account).code


def one_round(claim: Claim, owners: list[Member], account: Account) -> list[Any]:
    """Every owner claims at the same moment; each result is a code, "none left" or an error."""
    BackupCode.objects.filter(code_set__account=account).update(used_at=None, used_by=None)
    barrier = threading.Barrier(CLAIMANTS)
    results: list[Any] = [None] * CLAIMANTS

    def claimant(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = claim(owners[index], account)
        except NoUnusedCodes:
            results[index] = "none left"
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claimant, args=(i,)) for i in range(CLAIMANTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def run_trials(claim: Claim, owners: list[Member], account: Account, trials: int) -> list[str]:
    """Run ``trials`` rounds; return a description of every round that went wrong."""
    problems = []
    for trial in range(trials):
        results = one_round(claim, owners, account)
        codes = [r for r in results if isinstance(r, str) and r != "none left"]
        errors = [r for r in results if isinstance(r, Exception)]
        if errors:
            problems.append(f"trial {trial}: errors {errors!r}")
        elif len(codes) != len(set(codes)):
            problems.append(f"trial {trial}: a code was handed out twice")
        elif len(codes) != CODES or results.count("none left") != CLAIMANTS - CODES:
            problems.append(f"trial {trial}: {len(codes)} codes handed out, expected {CODES}")
    return problems


@pytest.fixture
def contested_account(db: None, settings: Any) -> tuple[Account, list[Member]]:
    settings.SPAREKEY_REVEALS_PER_HOUR = 1_000_000
    owners = [make_member(f"owner{i}@example.com") for i in range(CLAIMANTS)]
    account = add_account(owners[0], name="Cloud root", app="AWS", owners=owners)
    save_codes(owners[0], account, "\n".join(f"{n}{n}{n}{n}-a{n}b{n}c" for n in range(CODES)))
    assert Grant.objects.filter(account=account, role=AccountRole.OWNER).count() == CLAIMANTS
    return account, owners


def trials() -> int:
    return 200 if connection.vendor == "sqlite" else 50


@pytest.mark.django_db(transaction=True)
def test_no_code_is_ever_handed_out_twice(contested_account: tuple[Account, list[Member]]) -> None:
    account, owners = contested_account
    assert run_trials(guarded_claim, owners, account, trials()) == []


@pytest.mark.django_db(transaction=True)
def test_the_trials_catch_an_unguarded_claim(
    contested_account: tuple[Account, list[Member]],
) -> None:
    account, owners = contested_account
    problems = run_trials(unguarded_claim, owners, account, 20)
    assert any("twice" in problem or "codes handed out" in problem for problem in problems)
