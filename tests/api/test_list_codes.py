"""GET /api/v1/accounts/{id}/backup-codes: each code's state, never the code."""

from __future__ import annotations

from collections.abc import Callable

from sparekey.accounts.models import Account
from sparekey.audit.models import AuditEvent
from sparekey.backup_codes.services import claim_next_code
from sparekey.workspace.models import Member
from tests.api.conftest import Api, error_of
from tests.conftest import GITHUB_CODES


def test_it_lists_position_state_and_who_used_each_code_without_plaintext(
    alice: Member, bob: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    claimed = claim_next_code(bob, account_with_codes)
    token = token_for(alice, "read")
    events = AuditEvent.objects.count()
    response = api("GET", f"/api/v1/accounts/{account_with_codes.uuid}/backup-codes", token)
    assert response.status_code == 200
    body = response.json()
    assert (body["unused"], body["total"]) == (5, 6)
    first, second = body["codes"][:2]
    assert first["position"] == 1
    assert first["state"] == "used"
    assert first["used_by"] == "Bob"
    assert first["used_at"]
    assert second == {"position": 2, "state": "unused", "used_at": None, "used_by": None}
    for code in [claimed.code, *GITHUB_CODES.split()]:
        assert code.encode() not in response.content
    assert AuditEvent.objects.count() == events  # nothing was opened: not a reveal


def test_a_collaborator_may_not_list_them(
    carol: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    response = api(
        "GET", f"/api/v1/accounts/{account_with_codes.uuid}/backup-codes", token_for(carol, "read")
    )
    assert error_of(response)["code"] == "not_found"
