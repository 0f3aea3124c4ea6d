"""Every URL of an account x every persona x GET/POST, generated from the URL conf.

A new account URL whose view does not declare its action (``@account_view``) fails here, and so
does one that answers a member without the right role differently from a missing account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from sparekey.accounts.models import Account
from sparekey.accounts.permissions import RULES, Action
from sparekey.workspace.models import Member
from tests.conftest import without_csrf

# URLs that belong to no account, each with why it is safe without an account rule.
NOT_ACCOUNT_URLS = {
    "dashboard",
    "login",
    "logout",
    "setup",
    "confirm_identity",
    "activity",
    "activity_export",  # the same visibility as the Activity page: sparekey.audit.activity
    "api_tokens",  # the member's own tokens
    "api_token_revoke",  # only the member's own tokens are found
    "maintenance",  # the workspace Owner only (tests/maintenance/test_maintenance_page.py)
    # Members, teams and account lists: gated by workspace role (WORKSPACE_URLS below) or by the
    # member's own grants; none opens a secret.
    "add_account",  # the adder becomes Owner of a new account
    "import_accounts",  # as add_account: new accounts are the importer's; conflicts by own roles
    "confirm_import",  # opens only the member's own sealed preview (sparekey.transfer.pending)
    "export_accounts",  # only accounts the member owns (sparekey.transfer.exporting.exportable)
    "deleted_accounts",  # lists only removed accounts the member owns
    "restore_account",  # finds only removed accounts the member owns
    "orphaned_accounts",  # Super Admins and the workspace Owner
    "assign_owners",  # Super Admins and the workspace Owner, orphaned accounts only
    "members",
    "invite_member",
    "handover",
    "change_member_role",
    "deactivate_member",
    "reactivate_member",
    "teams",
    "team",
    "delete_team",
    "remove_team_member",
    "accept_invitation",  # public: the single-use token is the credential
    "healthz",  # public: says only whether the database and the master key answer
    # Two-step login: each of these acts only on the member's own login (tests/workspace/
    # test_two_step*.py); the policy page is the workspace Owner's alone, and a reset is gated
    # like deactivation (Admins and above, roles below their own). None opens a secret.
    "two_step",
    "two_step_start",
    "two_step_setup",
    "two_step_recovery_codes",
    "two_step_off",
    "two_step_policy",
    "reset_member_two_step",
}
# The JSON API answers with tokens, not sessions: tests/api/test_permission_matrix.py is its matrix.
API_ROUTES = "api/"
MISSING = "00000000-0000-4000-8000-000000000000"
PERSONA_ROLES = {"alice": "owner", "bob": "owner", "carol": "collaborator", "dave": None}


def all_patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, Any]]:
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += all_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry))
    return found


def account_urls() -> list[tuple[str, Action]]:
    urls = []
    for route, pattern in all_patterns():
        if "<uuid:account>" not in route:
            continue
        action = getattr(pattern.callback, "account_action", None)
        assert action is not None, f"{route} has no permission rule (use @account_view)"
        urls.append((route, action))
    return urls


def path_for(route: str, account: Account, account_uuid: str | None = None) -> str:
    """The route with its parameters filled in: the account's, its first code, a grant of it."""
    grant = account.grants.order_by("pk").first()
    assert grant is not None
    filled = {
        "<uuid:account>": account_uuid or str(account.uuid),
        "<int:position>": "1",
        "<int:grant>": str(grant.pk),
    }
    path = "/" + route
    for parameter, value in filled.items():
        path = path.replace(parameter, value)
    assert "<" not in path, f"{route}: fill in its parameter in path_for"
    return path


def test_every_url_is_an_account_url_or_known_to_be_none() -> None:
    for route, pattern in all_patterns():
        if "<uuid:account>" not in route and not route.startswith(API_ROUTES):
            assert pattern.name in NOT_ACCOUNT_URLS, f"{route} is neither an account URL nor listed"


def test_the_matrix_covers_every_account_url() -> None:
    assert len(account_urls()) >= 4
    assert {action for _, action in account_urls()} == set(RULES)


@pytest.mark.parametrize(("route", "action"), account_urls())
@pytest.mark.parametrize("persona", sorted(PERSONA_ROLES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_matrix(
    route: str,
    action: Action,
    persona: str,
    method: str,
    account_with_codes: Account,
    request: pytest.FixtureRequest,
    login: Callable[[Member], Client],
) -> None:
    member = request.getfixturevalue(persona)
    client = login(member)
    path = path_for(route, account_with_codes)
    missing_path = path_for(route, account_with_codes, MISSING)
    response = getattr(client, method)(path)
    for_missing = getattr(client, method)(missing_path)
    role = PERSONA_ROLES[persona]
    if role is not None and role in RULES[action]:
        assert response.status_code in {200, 302, 400, 405}, (route, persona, method)
    else:
        assert response.status_code == for_missing.status_code, (route, persona, method)
        assert response.status_code in {404, 405}
        assert without_csrf(response.content) == without_csrf(for_missing.content)


# Every combination of grants a member can hold on an account: none, direct, via a team, or both,
# each as Owner or Collaborator; for an active or deactivated member; as a User or Login-Only.
GRANT_ROLES = (None, "owner", "collaborator")
COMBINATIONS = [
    (direct, via_team, active, workspace_role)
    for direct in GRANT_ROLES
    for via_team in GRANT_ROLES
    for active in (True, False)
    for workspace_role in ("user", "login_only")
    if active or (direct or via_team)  # a deactivated outsider adds nothing
]


def expected_role(
    direct: str | None, via_team: str | None, active: bool, workspace_role: str
) -> str | None:
    """The rule of DESIGN.md, written again independently of sparekey.accounts.permissions."""
    if not active:
        return None
    granted = {direct, via_team} - {None}
    role = "owner" if "owner" in granted else ("collaborator" if granted else None)
    if role == "owner" and workspace_role == "login_only":
        return "collaborator"
    return role


@pytest.mark.parametrize(("direct", "via_team", "active", "workspace_role"), COMBINATIONS)
def test_every_grant_combination(
    direct: str | None,
    via_team: str | None,
    active: bool,
    workspace_role: str,
    account_with_codes: Account,
    login: Callable[[Member], Client],
) -> None:
    from django.db import transaction

    from sparekey.accounts.models import Grant
    from sparekey.workspace.models import Team, TeamMembership
    from tests.conftest import make_member

    erin = make_member("erin@example.com", workspace_role, "Erin")
    if direct:
        Grant.objects.create(account=account_with_codes, member=erin, role=direct)
    if via_team:
        team = Team.objects.create(name="Ops")
        TeamMembership.objects.create(team=team, member=erin)
        Grant.objects.create(account=account_with_codes, team=team, role=via_team)
    client = login(erin)  # a session opened before any deactivation
    if not active:
        Member.objects.filter(pk=erin.pk).update(is_active=False)
    role = expected_role(direct, via_team, active, workspace_role)
    for route, action in account_urls():
        for method in ("get", "post"):
            with transaction.atomic():  # each request's changes undone before the next
                response = getattr(client, method)(path_for(route, account_with_codes))
                missing = getattr(client, method)(path_for(route, account_with_codes, MISSING))
                transaction.set_rollback(True)
            where = (route, method, role)
            if role is not None and role in RULES[action]:
                assert response.status_code in {200, 302, 400, 405}, where
            else:
                assert response.status_code == missing.status_code, where
                assert response.status_code in {302, 404, 405}, where
                assert without_csrf(response.content) == without_csrf(missing.content), where


# The pages that manage people, each with the lowest workspace role that opens it. Everyone else
# gets a 404. None of them opens an account's secrets.
WORKSPACE_URLS = {
    "/members/": "admin",
    "/members/invite/": "admin",
    "/members/handover/": "owner",
    "/teams/": "admin",
    "/accounts/orphaned/": "super_admin",
    "/accounts/add/": "user",
}
WORKSPACE_RANK = ["login_only", "user", "admin", "super_admin", "owner"]


def test_every_workspace_url_is_in_the_workspace_matrix() -> None:
    from django.urls import reverse

    names = {"members", "invite_member", "handover", "teams", "orphaned_accounts", "add_account"}
    assert {reverse(name) for name in names} == set(WORKSPACE_URLS)


@pytest.mark.parametrize("workspace_role", WORKSPACE_RANK)
def test_the_workspace_matrix(
    workspace_role: str, alice: Member, login: Callable[[Member], Client]
) -> None:
    from tests.conftest import make_member

    member = alice if workspace_role == "owner" else make_member("erin@example.com", workspace_role)
    client = login(member)
    rank = WORKSPACE_RANK.index(workspace_role)
    for path, lowest in WORKSPACE_URLS.items():
        status = client.get(path).status_code
        if rank >= WORKSPACE_RANK.index(lowest):
            assert status == 200, (path, workspace_role)
        else:
            assert status == 404, (path, workspace_role)
