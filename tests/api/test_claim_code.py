"""POST /api/v1/accounts/{id}/backup-codes/claim: the next unused code, once, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sparekey.accounts.models import Account, AccountRole, Grant
from sparekey.backup_codes.services import summary
from sparekey.workspace.models import Member, Team
from tests.api.conftest import Api, error_of, last_event
from tests.conftest import GITHUB_CODES


def url(account: Account) -> str:
    return f"/api/v1/accounts/{account.uuid}/backup-codes/claim"


def test_it_hands_out_the_next_code_marked_used_and_audited_with_the_token(
    bob: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    token = token_for(bob, "use")
    response = api("POST", url(account_with_codes), token)
    assert response.status_code == 200
    assert response.json() == {
        "code": GITHUB_CODES.split()[0],
        "position": 1,
        "unused": 5,
        "total": 6,
        "low": False,
    }
    assert response["Cache-Control"] == "no-store"
    event = last_event("code_used")
    assert event.actor_email == bob.email
    assert event.detail == {"position": 1, "unused": 5, "token": f"spk_{token.split('_')[1]}"}
    assert GITHUB_CODES.split()[0] not in str(event.detail)


def test_every_code_once_then_409_no_unused_codes(
    alice: Member, bob: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    tokens = [token_for(alice, "use"), token_for(bob, "use")]
    claimed = [api("POST", url(account_with_codes), tokens[n % 2]).json() for n in range(6)]
    assert sorted(c["code"] for c in claimed) == sorted(GITHUB_CODES.split())
    assert claimed[-1]["low"] is True
    response = api("POST", url(account_with_codes), tokens[0])
    assert response.status_code == 409
    assert error_of(response)["code"] == "no_unused_codes"
    assert summary(account_with_codes).unused == 0


def test_an_account_without_codes_has_none_to_claim(
    alice: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    response = api("POST", url(account), token_for(alice, "use"))
    assert error_of(response)["code"] == "no_unused_codes"


def test_the_members_hourly_limit_is_429_with_retry_after(
    alice: Member,
    account_with_codes: Account,
    token_for: Callable[..., str],
    api: Api,
    settings: Any,
) -> None:
    settings.SPAREKEY_REVEALS_PER_HOUR = 1
    token = token_for(alice, "use")
    assert api("POST", url(account_with_codes), token).status_code == 200
    response = api("POST", url(account_with_codes), token)
    assert response.status_code == 429
    assert error_of(response)["code"] == "too_many_reveals"
    assert int(response["Retry-After"]) > 0
    assert summary(account_with_codes).unused == 5


def test_a_collaborator_cannot_claim(
    carol: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    response = api("POST", url(account_with_codes), token_for(carol, "use"))
    assert error_of(response)["code"] == "not_found"
    assert summary(account_with_codes).unused == 6


def test_an_owner_through_a_team_can_claim(
    erin: Member, ops: Team, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    Grant.objects.create(account=account_with_codes, team=ops, role=AccountRole.OWNER)
    response = api("POST", url(account_with_codes), token_for(erin, "use"))
    assert response.status_code == 200
    assert response.json()["position"] == 1
