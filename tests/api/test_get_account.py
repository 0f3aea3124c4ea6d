"""GET /api/v1/accounts/{id}: one account, or the same 404 whether it is missing or not yours."""

from __future__ import annotations

from collections.abc import Callable

from sparekey.accounts.models import Account
from sparekey.workspace.models import Member
from tests.api.conftest import Api, error_of, last_event
from tests.test_permission_matrix import MISSING


def test_an_owner_gets_the_account(
    bob: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    response = api("GET", f"/api/v1/accounts/{account_with_codes.uuid}", token_for(bob, "read"))
    assert response.status_code == 200
    assert response.json()["role"] == "owner"
    assert response.json()["backup_codes"]["total"] == 6


def test_a_collaborator_gets_it_too(
    carol: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    response = api("GET", f"/api/v1/accounts/{account.uuid}", token_for(carol, "read"))
    assert response.json()["role"] == "collaborator"


def test_an_account_without_a_role_is_answered_like_a_missing_one_and_audited(
    dave: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    token = token_for(dave, "read")
    denied = api("GET", f"/api/v1/accounts/{account.uuid}", token)
    missing = api("GET", f"/api/v1/accounts/{MISSING}", token)
    assert denied.status_code == missing.status_code == 404
    assert denied.content == missing.content
    assert error_of(denied)["code"] == "not_found"
    event = last_event("access_denied")
    assert event.actor_email == dave.email
    assert event.account_uuid == account.uuid
    assert event.detail["token"] == f"spk_{token.split('_')[1]}"


def test_an_id_that_is_not_a_uuid_is_not_found(
    alice: Member, token_for: Callable[..., str], api: Api
) -> None:
    response = api("GET", "/api/v1/accounts/brand-x", token_for(alice, "read"))
    assert error_of(response)["code"] == "not_found"
