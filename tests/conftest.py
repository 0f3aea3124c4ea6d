"""The people of the tests.

Alice is the workspace Owner and an Owner of the account "Brand X"; Bob co-owns it; Carol is
its Collaborator; Dave is a Super Admin with no role on it, to show that workspace roles do not
open an account's secrets.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.accounts.services import add_account
from sparekey.workspace.models import Member, Team, TeamMembership, WorkspaceRole

PASSWORD = "correct horse battery staple"

GITHUB_CODES = """f0b26-536b5
a0b2b-5c0ec
60985-f1620
86c67-4021e
77f8f-507b5
a5731-3b41f
"""


def make_member(email: str, role: str = WorkspaceRole.USER, name: str = "") -> Member:
    return Member.objects.create_member(email, PASSWORD, role=role, name=name)


@pytest.fixture
def alice(db: None) -> Member:
    return make_member("alice@example.com", WorkspaceRole.OWNER, "Alice")


@pytest.fixture
def bob(db: None) -> Member:
    return make_member("bob@example.com", WorkspaceRole.USER, "Bob")


@pytest.fixture
def carol(db: None) -> Member:
    return make_member("carol@example.com", WorkspaceRole.USER, "Carol")


@pytest.fixture
def dave(db: None) -> Member:
    return make_member("dave@example.com", WorkspaceRole.SUPER_ADMIN, "Dave")


@pytest.fixture
def account(alice: Member, bob: Member, carol: Member, dave: Member) -> Account:
    return add_account(
        alice,
        name="Brand X",
        app="X",
        login_url="https://x.com/login",
        username="brand",
        owners=[alice, bob],
        collaborators=[carol],
    )


@pytest.fixture
def login() -> Callable[[Member], Client]:
    """A client logged in as the member, who has also just confirmed their identity."""

    def client_for(member: Member, *, confirmed: bool = True) -> Client:
        client = Client()
        response = client.post("/login/", {"username": member.email, "password": PASSWORD})
        assert response.status_code == 302, response.content
        if confirmed:
            assert client.post("/confirm/", {"password": PASSWORD}).status_code == 302
        return client

    return client_for


@pytest.fixture
def account_with_codes(account: Account, alice: Member) -> Account:
    from sparekey.backup_codes.services import save_codes

    save_codes(alice, account, GITHUB_CODES)
    return account


def without_csrf(content: bytes) -> bytes:
    """A page with its CSRF token blanked (the token is masked afresh at every render)."""
    import re

    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


@pytest.fixture
def erin(db: None) -> Member:
    """Erin is a User with no grant of her own: teams give her what she gets."""
    return make_member("erin@example.com", WorkspaceRole.USER, "Erin")


@pytest.fixture
def frank(db: None) -> Member:
    """Frank is Login-Only: never more than a Collaborator, whatever a grant says."""
    return make_member("frank@example.com", WorkspaceRole.LOGIN_ONLY, "Frank")


@pytest.fixture
def ops(erin: Member) -> Team:
    """The team Ops, with Erin as a Team Member."""
    team = Team.objects.create(name="Ops")
    TeamMembership.objects.create(team=team, member=erin)
    return team
