"""DELETE /api/v1/accounts/{id}/backup-codes."""

from __future__ import annotations

from collections.abc import Callable

from sparekey.accounts.models import Account
from sparekey.backup_codes.services import summary
from sparekey.workspace.models import Member
from tests.api.conftest import Api, error_of, last_event


def test_an_owner_deletes_the_codes_and_it_is_audited_with_the_token(
    bob: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    token = token_for(bob, "manage")
    response = api("DELETE", f"/api/v1/accounts/{account_with_codes.uuid}/backup-codes", token)
    assert response.status_code == 204
    assert response.content == b""
    assert not summary(account_with_codes).saved
    event = last_event("codes_deleted")
    assert event.actor_email == bob.email
    assert event.detail["token"] == f"spk_{token.split('_')[1]}"


def test_deleting_nothing_is_still_204(
    alice: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    response = api("DELETE", f"/api/v1/accounts/{account.uuid}/backup-codes", token_for(alice))
    assert response.status_code == 204


def test_the_read_scope_cannot_delete(
    alice: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    response = api(
        "DELETE",
        f"/api/v1/accounts/{account_with_codes.uuid}/backup-codes",
        token_for(alice, "read"),
    )
    assert error_of(response)["code"] == "insufficient_scope"
    assert summary(account_with_codes).saved
