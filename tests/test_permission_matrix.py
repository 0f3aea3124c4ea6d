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
NOT_ACCOUNT_URLS = {"dashboard", "login", "logout", "setup", "confirm_identity", "activity"}
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


def test_every_url_is_an_account_url_or_known_to_be_none() -> None:
    for route, pattern in all_patterns():
        if "<uuid:account>" not in route:
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
    path = "/" + route.replace("<uuid:account>", str(account_with_codes.uuid))
    missing_path = "/" + route.replace("<uuid:account>", MISSING)
    response = getattr(client, method)(path)
    for_missing = getattr(client, method)(missing_path)
    role = PERSONA_ROLES[persona]
    if role is not None and role in RULES[action]:
        assert response.status_code in {200, 302, 400, 405}, (route, persona, method)
    else:
        assert response.status_code == for_missing.status_code, (route, persona, method)
        assert response.status_code in {404, 405}
        assert without_csrf(response.content) == without_csrf(for_missing.content)
