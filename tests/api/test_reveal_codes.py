"""POST /api/v1/accounts/{id}/backup-codes/reveal: every code with its state, audited."""

from __future__ import annotations

from collections.abc import Callable

from sparekey.accounts.models import Account
from sparekey.backup_codes.services import claim_next_code
from sparekey.workspace.models import Member
from tests.api.conftest import Api, error_of, last_event
from tests.conftest import GITHUB_CODES


def url(account: Account) -> str:
    return f"/api/v1/accounts/{account.uuid}/backup-codes/reveal"


def test_it_reveals_every_code_with_its_state_and_audits_the_token(
    alice: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    claim_next_code(alice, account_with_codes)
    token = token_for(alice, "reveal")
    response = api("POST", url(account_with_codes), token)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    codes = response.json()["codes"]
    assert [code["code"] for code in codes] == GITHUB_CODES.split()
    assert [code["state"] for code in codes] == ["used"] + ["unused"] * 5
    assert codes[0]["used_by"] == "Alice"
    event = last_event("codes_viewed")
    assert event.detail == {"codes": 6, "token": f"spk_{token.split('_')[1]}"}


def test_the_use_scope_does_not_reveal(
    alice: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    response = api("POST", url(account_with_codes), token_for(alice, "use", "read"))
    assert error_of(response)["code"] == "insufficient_scope"


def test_a_get_is_not_allowed(
    alice: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    response = api("GET", url(account_with_codes), token_for(alice, "reveal"))
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert response["Allow"] == "POST"
