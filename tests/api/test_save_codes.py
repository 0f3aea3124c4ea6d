"""PUT /api/v1/accounts/{id}/backup-codes: save or replace the codes through the one parser."""

from __future__ import annotations

from collections.abc import Callable

from sparekey.accounts.models import Account
from sparekey.backup_codes.services import reveal_codes, summary
from sparekey.workspace.models import Member
from tests.api.conftest import Api, error_of, last_event
from tests.conftest import GITHUB_CODES


def url(account: Account) -> str:
    return f"/api/v1/accounts/{account.uuid}/backup-codes"


def test_pasted_text_is_saved_and_answered_201_with_the_counts(
    alice: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    token = token_for(alice, "manage")
    response = api("PUT", url(account), token, {"text": GITHUB_CODES})
    assert response.status_code == 201
    assert response.json() == {
        "saved": 6,
        "replaced": False,
        "unused": 6,
        "total": 6,
        "warnings": [],
    }
    assert summary(account).total == 6
    event = last_event("codes_saved")
    assert event.actor_email == alice.email
    assert event.detail == {"codes": 6, "token": f"spk_{token.split('_')[1]}"}


def test_a_list_of_codes_goes_through_the_same_parser(
    alice: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    codes = [line for line in GITHUB_CODES.splitlines() if line]
    response = api("PUT", url(account), token_for(alice, "manage"), {"codes": codes})
    assert response.status_code == 201
    assert [code.code for code in reveal_codes(alice, account)] == codes


def test_saving_again_replaces_the_set(
    alice: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    response = api(
        "PUT", url(account_with_codes), token_for(alice, "manage"), {"codes": ["1234-5678-90"]}
    )
    assert response.json()["replaced"] is True
    assert summary(account_with_codes).total == 1
    assert last_event("codes_replaced").detail["replaced_total"] == 6


def test_text_without_codes_is_422_no_codes_found(
    alice: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    response = api("PUT", url(account), token_for(alice, "manage"), {"text": "hello there"})
    assert response.status_code == 422
    assert error_of(response)["code"] == "no_codes_found"
    assert not summary(account).saved


def test_text_the_parser_refuses_is_422_with_its_reason(
    alice: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    text = "abcd-1234\nab\u202ecd-5678\n"  # a hidden text-direction mark
    response = api("PUT", url(account), token_for(alice, "manage"), {"text": text})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "paste_refused"
    assert "text-direction" in error["message"]


def test_both_text_and_codes_or_neither_is_an_invalid_request(
    alice: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    token = token_for(alice, "manage")
    for body in [{"text": GITHUB_CODES, "codes": ["1234-5678"]}, {}, {"codes": []}]:
        response = api("PUT", url(account), token, body)
        assert response.status_code == 400, body
        assert error_of(response)["code"] == "invalid_request"


def test_a_collaborator_cannot_save_codes(
    carol: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    response = api("PUT", url(account), token_for(carol, "manage"), {"text": GITHUB_CODES})
    assert error_of(response)["code"] == "not_found"
    assert not summary(account).saved
