"""GET /api/v1/audit: the events the caller may see, filtered, newest first, page by page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

from django.utils import timezone

from sparekey.accounts.models import Account
from sparekey.accounts.services import add_account
from sparekey.audit.models import AuditEvent
from sparekey.backup_codes.services import claim_next_code
from sparekey.workspace.models import Member
from tests.api.conftest import Api, error_of

AUDIT = "/api/v1/audit"


def seen(api: Api, token: str, **filters: str) -> list[dict]:
    query = f"?{urlencode(filters)}" if filters else ""
    response = api("GET", AUDIT + query, token)
    assert response.status_code == 200, response.content
    return list(response.json()["events"])


def test_workspace_admins_see_every_event_newest_first(
    alice: Member,
    dave: Member,
    account_with_codes: Account,
    token_for: Callable[..., str],
    api: Api,
) -> None:
    add_account(dave, name="Registrar", app="Gandi")
    for member in (alice, dave):
        events = seen(api, token_for(member, "read"))
        assert [event["id"] for event in events] == sorted(
            AuditEvent.objects.values_list("seq", flat=True), reverse=True
        )


def test_others_see_the_events_of_accounts_they_own_and_their_own(
    alice: Member,
    bob: Member,
    carol: Member,
    dave: Member,
    account_with_codes: Account,
    token_for: Callable[..., str],
    api: Api,
) -> None:
    add_account(dave, name="Registrar", app="Gandi")
    claim_next_code(bob, account_with_codes)
    token_for(dave, "read")
    as_bob = seen(api, token_for(bob, "read"))
    assert {event["account"]["name"] for event in as_bob if event["account"]} == {"Brand X"}
    assert {"account_added", "codes_saved", "code_used", "token_created"} <= {
        event["action"] for event in as_bob
    }
    assert all(event["actor"] != dave.email for event in as_bob)
    as_carol = seen(api, token_for(carol, "read"))
    assert [(event["action"], event["actor"]) for event in as_carol] == [
        ("token_created", carol.email)
    ]


def test_an_event_shows_who_what_where_and_its_detail(
    alice: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    event = seen(api, token_for(alice, "read"), action="codes_saved")[0]
    assert event["action"] == "codes_saved"
    assert event["actor"] == alice.email
    assert event["account"] == {"id": str(account_with_codes.uuid), "name": "Brand X"}
    assert event["detail"] == {"codes": 6}
    assert event["at"]


def test_it_filters_by_account_action_and_time(
    alice: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    other = add_account(alice, name="Registrar", app="Gandi")
    token = token_for(alice, "read")
    by_account = seen(api, token, account=str(other.uuid))
    assert [event["action"] for event in by_account] == ["account_added"]
    assert len(seen(api, token, action="account_added")) == 2
    now = timezone.now()
    later = (now + timedelta(hours=1)).isoformat()
    earlier = (now - timedelta(hours=1)).isoformat()
    assert seen(api, token, since=later) == []
    assert len(seen(api, token, since=earlier)) == AuditEvent.objects.count()
    assert seen(api, token, until=earlier) == []
    assert seen(api, token, until="2000-01-01T00:00:00") == []


def test_it_pages_newest_first_with_a_cursor(
    alice: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    token = token_for(alice, "read")
    ids: list[int] = []
    page = api("GET", f"{AUDIT}?limit=2", token).json()
    while True:
        ids += [event["id"] for event in page["events"]]
        if not page["next"]:
            break
        page = api("GET", page["next"], token).json()
    assert ids == sorted(AuditEvent.objects.values_list("seq", flat=True), reverse=True)


def test_a_cursor_of_another_list_is_refused(
    alice: Member, token_for: Callable[..., str], api: Api
) -> None:
    for name in ["A", "B"]:
        add_account(alice, name=name, app="Mail")
    token = token_for(alice, "read")
    cursor = api("GET", "/api/v1/accounts?limit=1", token).json()["next_cursor"]
    response = api("GET", f"{AUDIT}?cursor={cursor}", token)
    assert error_of(response)["code"] == "invalid_cursor"


def test_an_unknown_action_is_an_invalid_request(
    alice: Member, token_for: Callable[..., str], api: Api
) -> None:
    response = api("GET", f"{AUDIT}?action=teleported", token_for(alice, "read"))
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_request"
