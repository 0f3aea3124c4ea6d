"""GET /api/v1/accounts: the caller's accounts, their code counts, page by page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sparekey.accounts.models import Account, AccountRole, Grant
from sparekey.accounts.services import add_account
from sparekey.backup_codes.services import claim_next_code
from sparekey.workspace.models import Member, Team
from tests.api.conftest import Api, error_of

ACCOUNTS = "/api/v1/accounts"


def test_it_lists_the_members_accounts_with_role_and_code_counts(
    alice: Member,
    carol: Member,
    account_with_codes: Account,
    token_for: Callable[..., str],
    api: Api,
) -> None:
    for _ in range(4):
        claim_next_code(alice, account_with_codes)
    response = api("GET", ACCOUNTS, token_for(alice, "read"))
    assert response.status_code == 200
    assert response.json() == {
        "accounts": [
            {
                "id": str(account_with_codes.uuid),
                "name": "Brand X",
                "app": "X",
                "role": "owner",
                "mfa": False,
                "backup_codes": {"saved": True, "unused": 2, "total": 6, "low": True},
            }
        ],
        "next_cursor": None,
        "next": None,
    }
    as_carol = api("GET", ACCOUNTS, token_for(carol, "read")).json()["accounts"]
    assert [(found["name"], found["role"]) for found in as_carol] == [("Brand X", "collaborator")]


def test_an_account_without_codes_says_not_saved(
    alice: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    found = api("GET", ACCOUNTS, token_for(alice, "read")).json()["accounts"][0]
    assert found["backup_codes"] == {"saved": False, "unused": 0, "total": 0, "low": False}


def test_a_member_with_no_role_sees_no_account(
    dave: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    assert api("GET", ACCOUNTS, token_for(dave, "read")).json()["accounts"] == []


def test_it_pages_with_an_opaque_cursor_and_a_next_link(
    alice: Member, token_for: Callable[..., str], api: Api
) -> None:
    for name in ["Echo", "Alpha", "Delta", "Bravo", "Charlie", "Alpha"]:
        add_account(alice, name=name, app="Mail")
    token = token_for(alice, "read")
    names: list[str] = []
    page = api("GET", f"{ACCOUNTS}?limit=2", token).json()
    pages = 1
    while page["next"]:
        names += [found["name"] for found in page["accounts"]]
        assert "limit=2" in page["next"]
        page = api("GET", page["next"], token).json()
        pages += 1
    names += [found["name"] for found in page["accounts"]]
    assert names == ["Alpha", "Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    assert pages == 3
    assert page["next_cursor"] is None


def test_a_tampered_cursor_is_invalid(
    alice: Member, token_for: Callable[..., str], api: Api
) -> None:
    for name in ["A", "B", "C"]:
        add_account(alice, name=name, app="Mail")
    token = token_for(alice, "read")
    cursor = api("GET", f"{ACCOUNTS}?limit=1", token).json()["next_cursor"]
    response = api("GET", f"{ACCOUNTS}?cursor={cursor[:-2]}xx", token)
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_cursor"


def test_a_limit_above_the_maximum_is_an_invalid_request(
    alice: Member, token_for: Callable[..., str], api: Api
) -> None:
    response = api("GET", f"{ACCOUNTS}?limit=201", token_for(alice, "read"))
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_request"


def test_the_number_of_queries_does_not_grow_with_the_accounts(
    alice: Member, token_for: Callable[..., str], api: Api
) -> None:
    token = token_for(alice, "read")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api("GET", ACCOUNTS, token).status_code == 200
        return len(captured.captured_queries)

    add_account(alice, name="First", app="Mail")
    api("GET", ACCOUNTS, token)  # the first use of the token records it; later ones need not
    few = queries()
    for number in range(10):
        add_account(alice, name=f"Account {number}", app="Mail")
    assert queries() == few


def test_it_reads_only_with_the_read_scope(
    alice: Member, account: Account, token_for: Callable[..., Any], api: Api
) -> None:
    response = api("GET", ACCOUNTS, token_for(alice, "use", "reveal", "manage"))
    assert error_of(response)["code"] == "insufficient_scope"


def test_a_role_given_through_a_team_counts_once_and_as_the_highest(
    erin: Member, ops: Team, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    Grant.objects.create(account=account, team=ops, role=AccountRole.OWNER)
    Grant.objects.create(account=account, member=erin, role=AccountRole.COLLABORATOR)
    listed = api("GET", ACCOUNTS, token_for(erin, "read")).json()["accounts"]
    assert [(found["name"], found["role"]) for found in listed] == [("Brand X", "owner")]
