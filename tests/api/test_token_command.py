"""`sparekey token create|list|revoke`."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command

from sparekey.api.models import ApiToken
from sparekey.workspace.models import Member
from tests.api.conftest import Api, error_of, last_event
from tests.commands.conftest import Run


def token(*args: str) -> str:
    out = io.StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_create_prints_the_token_once_and_nothing_else(alice: Member, api: Api) -> None:
    printed = token(
        "create", "ALICE@example.com", "--name", "monitor", "--scope", "read", "--scope", "use"
    )
    plaintext = printed.strip()
    assert printed == plaintext + "\n"
    row = ApiToken.objects.get()
    assert plaintext.startswith(f"{row.label}_")
    assert (row.member, row.name, row.scopes) == (alice, "monitor", "read use")
    assert row.expires_at is None
    assert api("GET", "/api/v1/accounts", plaintext).status_code == 200
    event = last_event("token_created")
    assert event.actor_email == ""  # the server's operator, not a member
    assert event.detail["member"] == alice.email


def test_create_with_an_expiry(alice: Member) -> None:
    token("create", alice.email, "--name", "ci", "--scope", "read", "--expires-days", "7")
    row = ApiToken.objects.get()
    assert row.expires_at is not None
    assert 6.9 < (row.expires_at - row.created_at).total_seconds() / 86400 <= 7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.com", "--name", "x", "--scope", "read"], "No member has the email"),
        (["alice@example.com", "--name", " ", "--scope", "read"], "needs a name"),
        (["alice@example.com", "--name", "x", "--scope", "read", "--expires-days", "0"], "expires"),
    ],
)
def test_create_refuses_what_it_cannot_do(alice: Member, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        token("create", *args)
    assert not ApiToken.objects.exists()


def test_create_refuses_a_deactivated_member(alice: Member) -> None:
    Member.objects.filter(pk=alice.pk).update(is_active=False)
    with pytest.raises(CommandError, match="deactivated"):
        token("create", alice.email, "--name", "x", "--scope", "read")


def test_list_shows_id_name_scopes_state_and_last_use(
    alice: Member, token_for: Callable[..., str], api: Api
) -> None:
    used = token_for(alice, "read")
    api("GET", "/api/v1/accounts", used, REMOTE_ADDR="203.0.113.9")
    token("create", alice.email, "--name", "spare", "--scope", "manage")
    listing = token("list", alice.email)
    lines = listing.splitlines()
    assert lines[0].split() == "ID NAME SCOPES STATE CREATED EXPIRES LAST USED".split()
    assert len(lines) == 3
    assert "203.0.113.9" in listing
    for row in ApiToken.objects.all():
        assert row.label in listing
    assert used not in listing


def test_list_says_when_there_is_none(alice: Member) -> None:
    assert token("list", alice.email) == "alice@example.com has no API tokens.\n"


def test_revoke_stops_the_token_by_its_id(
    alice: Member, token_for: Callable[..., str], api: Api
) -> None:
    plaintext = token_for(alice, "read")
    row = ApiToken.objects.get()
    assert "Revoked" in token("revoke", row.label)
    assert error_of(api("GET", "/api/v1/accounts", plaintext))["code"] == "token_revoked"
    assert "revoked already" in token("revoke", row.prefix)
    assert "listing" not in token("list", alice.email)
    assert "revoked" in token("list", alice.email)
    with pytest.raises(CommandError, match="No API token has the ID"):
        token("revoke", "spk_00000000")


def test_the_real_command_prints_only_the_token_on_stdout(sparekey: Run) -> None:
    password = "correct horse battery staple\n"
    sparekey(
        "adduser",
        "a@example.com",
        "--role",
        "owner",
        "--password-stdin",
        stdin=password,
        check=True,
    )
    result = sparekey("token", "create", "a@example.com", "--name", "x", "--scope", "use")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    assert result.stdout.startswith("spk_")
    assert len(result.stdout.strip()) == len("spk_12345678_") + 43
