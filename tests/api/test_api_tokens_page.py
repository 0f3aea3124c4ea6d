"""The API tokens page: create (shown once), list and revoke one's own tokens."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.test import Client

from sparekey.api.models import ApiToken
from sparekey.workspace.models import Member
from tests.api.conftest import Api, error_of, last_event

PAGE = "/tokens/"


def create(client: Client, **fields: object) -> str:
    form = {"name": "runbook", "scopes": ["read", "use"], "expires_days": "30"} | fields
    response = client.post(PAGE, form)
    assert response.status_code == 200, response.content
    found = re.search(rb'<code id="new-token">([^<]+)</code>', response.content)
    assert found, response.content
    return found.group(1).decode()


def test_it_asks_the_member_to_confirm_their_identity_first(
    alice: Member, login: Callable[..., Client]
) -> None:
    response = login(alice, confirmed=False).get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/confirm/?next=%2Ftokens%2F"


def test_it_needs_a_login(db: None) -> None:
    assert Client().get(PAGE)["Location"].startswith("/login/")


def test_a_new_token_is_shown_once_and_opens_the_api(
    alice: Member, login: Callable[..., Client], api: Api
) -> None:
    client = login(alice)
    token = create(client)
    assert token.startswith("spk_")
    assert "no-store" in client.get(PAGE)["Cache-Control"]
    listing = client.get(PAGE).content.decode()
    assert token not in listing
    row = ApiToken.objects.get()
    assert row.label in listing
    assert (row.name, row.scopes, row.member) == ("runbook", "read use", alice)
    assert row.expires_at is not None
    assert api("GET", "/api/v1/accounts", token).status_code == 200
    event = last_event("token_created")
    assert event.actor_email == alice.email
    assert event.detail["token"] == row.label
    assert token not in str(event.detail)


def test_a_token_without_a_scope_or_name_is_refused(
    alice: Member, login: Callable[..., Client]
) -> None:
    response = login(alice).post(PAGE, {"name": "", "scopes": []})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_last_use_is_shown(alice: Member, login: Callable[..., Client], api: Api) -> None:
    client = login(alice)
    token = create(client)
    api("GET", "/api/v1/accounts", token, REMOTE_ADDR="198.51.100.4")
    assert "from 198.51.100.4" in client.get(PAGE).content.decode()


def test_a_member_revokes_their_token_and_it_stops_working(
    alice: Member, login: Callable[..., Client], api: Api
) -> None:
    client = login(alice)
    token = create(client)
    row = ApiToken.objects.get()
    response = client.post(f"/tokens/{row.prefix}/revoke/", follow=True)
    assert f"Revoked {row.label}" in response.content.decode()
    assert error_of(api("GET", "/api/v1/accounts", token))["code"] == "token_revoked"
    assert last_event("token_revoked").actor_email == alice.email


def test_revoking_needs_no_fresh_confirmation(alice: Member, login: Callable[..., Client]) -> None:
    create(login(alice))
    row = ApiToken.objects.get()
    response = login(alice, confirmed=False).post(f"/tokens/{row.prefix}/revoke/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_a_member_cannot_revoke_or_see_another_members_token(
    alice: Member, bob: Member, login: Callable[..., Client]
) -> None:
    create(login(alice))
    row = ApiToken.objects.get()
    as_bob = login(bob)
    assert row.label not in as_bob.get(PAGE).content.decode()
    assert as_bob.post(f"/tokens/{row.prefix}/revoke/").status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None
