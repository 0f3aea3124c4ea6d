"""The number of SQL queries a page makes does not grow with the data it lists.

Every page a logged-in member can GET (generated from the URL conf, like the permission matrix)
and every list of the JSON API is asked once in a small workspace and once in a workspace ten
times larger: more accounts held, codes per set, grants and team members on the account, audit
events, members, teams, deleted and orphaned accounts, API tokens. The two query counts must be
equal. The counts are printed (`pytest -s`), not asserted as numbers, so that a harmless change
in what a page asks does not fail this test, but an N+1 does.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sparekey.accounts.lifecycle import remove_account
from sparekey.accounts.models import Account, AccountRole, Grant
from sparekey.accounts.services import add_account
from sparekey.api import tokens
from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.backup_codes.services import save_codes
from sparekey.workspace.models import Member, Team, TeamMembership
from tests.conftest import make_member
from tests.test_permission_matrix import all_patterns

SMALL, LARGE = 3, 30

# Routes not measured, each with why. Everything else in the URL conf is measured, so a new page
# fails test_every_route_is_measured_or_skipped until it is measured or listed here.
SKIPPED = {
    "logout/": "GET is refused (405): logging out is a POST",
    "setup/<str:token>/": "public, for the first member only; a fixed form",
    "invitations/<str:token>/": "public; a fixed form for one invitation",
    "api/v1/openapi.json": "the schema: no data from the database",
    "api/v1/": "the API's root: a fixed list of links",
    "api/docs": "Swagger UI: a static page",
    "api/": "the API's JSON 404",
}


def codes(count: int) -> str:
    return "\n".join(f"{secrets.token_hex(3)[:5]}-{secrets.token_hex(3)[:5]}" for _ in range(count))


@dataclass
class Workspace:
    """The people and things the measured pages are about, grown between the two measurements."""

    alice: Member
    account: Account
    ops: Team
    bob: Member
    token: str
    token_prefix: str
    grown_to: int = 0
    removed: list[Account] = field(default_factory=list)
    orphans: list[Account] = field(default_factory=list)

    def grow(self, size: int) -> None:
        """Bring every list the pages show to ``size`` entries."""
        for n in range(self.grown_to, size):
            member = make_member(f"member{n}@example.com", "user", f"Member {n}")
            TeamMembership.objects.create(team=self.ops, member=member)
            Grant.objects.create(account=self.account, member=member, role=AccountRole.COLLABORATOR)
            team = Team.objects.create(name=f"Team {n}")
            TeamMembership.objects.create(team=team, member=self.alice)
            held = add_account(self.alice, name=f"Held {n}", app="App", collaborators=[member])
            save_codes(self.alice, held, codes(10))
            Grant.objects.create(account=held, team=team, role=AccountRole.OWNER)
            removed = add_account(self.alice, name=f"Removed {n}", app="App")
            remove_account(self.alice, removed, "test")
            self.removed.append(removed)
            leaver = make_member(f"leaver{n}@example.com", "user")
            orphan = add_account(leaver, name=f"Orphan {n}", app="App")
            Member.objects.filter(pk=leaver.pk).update(is_active=False)
            self.orphans.append(orphan)
            tokens.issue(self.alice, name=f"token {n}", scopes=["read"], actor=self.alice)
            for _ in range(3):
                chain.record(Audit.CODES_VIEWED, actor=self.alice, account=self.account)
                chain.record(Audit.CODES_VIEWED, actor=member, account=self.account)
        save_codes(self.alice, self.account, codes(min(10 * size, 100)))  # at most 100 a set
        self.grown_to = size

    def path(self, route: str) -> str:
        grant = self.account.grants.filter(member=self.bob).get()
        filled = {
            "<uuid:account>": str(self.account.uuid),
            "<uuidstr:id>": str(self.account.uuid),
            "<int:position>": "1",
            "<int:grant>": str(grant.pk),
            "<uuid:removed>": str(self.removed[0].uuid),
            "<uuid:orphan>": str(self.orphans[0].uuid),
            "<uuid:member>": str(self.bob.uuid),
            "<uuid:team>": str(self.ops.uuid),
            "<str:prefix>": self.token_prefix,
        }
        path = "/" + route
        for parameter, value in filled.items():
            path = path.replace(parameter, value)
        assert "<" not in path, f"{route}: fill in its parameter in Workspace.path"
        return path


def measured_routes() -> list[str]:
    return sorted({route for route, _ in all_patterns()} - set(SKIPPED))


def test_every_route_is_measured_or_skipped() -> None:
    routes = {route for route, _ in all_patterns()}
    assert set(SKIPPED) <= routes, "a skipped route no longer exists"
    assert len(measured_routes()) >= 30


def queries_for(client: Client, path: str, **headers: str) -> tuple[int, int]:
    """(status, number of queries) of one GET, a streamed body read to its end."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, headers=headers)
        if response.streaming:
            b"".join(response.streaming_content)  # type: ignore[arg-type]
    return response.status_code, len(captured)


@pytest.fixture
def workspace(
    account_with_codes: Account, alice: Member, bob: Member, ops: Team, settings: Any
) -> Workspace:
    settings.SPAREKEY_REVEALS_PER_HOUR = 10_000
    settings.SPAREKEY_API_REQUESTS_PER_MINUTE = 10_000
    Grant.objects.create(account=account_with_codes, team=ops, role=AccountRole.COLLABORATOR)
    row, token = tokens.issue(alice, name="measure", scopes=["read"], actor=alice)
    return Workspace(
        alice=alice,
        account=account_with_codes,
        ops=ops,
        bob=bob,
        token=token,
        token_prefix=row.prefix,
    )


def test_no_page_makes_more_queries_for_more_data(
    workspace: Workspace, login: Callable[[Member], Client]
) -> None:
    workspace.grow(SMALL)
    client = login(workspace.alice)
    api = Client()
    bearer = {"Authorization": f"Bearer {workspace.token}"}

    def measure() -> dict[str, tuple[int, int]]:
        counts = {}
        for route in measured_routes():
            path = workspace.path(route)
            if route.startswith("api/"):
                counts[route] = queries_for(api, path, **bearer)
            else:
                counts[route] = queries_for(client, path)
        return counts

    measure()  # the first requests fill the process's caches (keys, content types)
    small = measure()
    workspace.grow(LARGE)
    large = measure()

    print(f"\nSQL queries per GET, {SMALL} -> {LARGE} of everything:")
    for route in measured_routes():
        (status, before), (_, after) = small[route], large[route]
        print(f"  {before:3} -> {after:3}  {status}  /{route}")
    grown = {route: (small[route], large[route]) for route in small if small[route] != large[route]}
    assert not grown, f"queries (or status) grow with the data: {grown}"
    answered = [route for route, (status, _) in large.items() if status == 200]
    assert len(answered) >= 20, large  # the pages were really rendered, not refused
