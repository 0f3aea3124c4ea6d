"""Every API route x persona x scope, generated from the router.

RULE_TABLE is this test's own statement of what each route needs. A route added to the API
without a row here fails, and so does a route whose declared rule (its ``TokenAuth``) differs
from the row, or that answers a member without the role differently from a missing account.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import get_resolver
from ninja.operation import Operation

from sparekey.accounts.models import Account
from sparekey.accounts.permissions import RULES, Action
from sparekey.api.models import Scope
from sparekey.api.openapi import rule_of
from sparekey.api.views import api
from tests.api.conftest import Api, error_of
from tests.conftest import GITHUB_CODES
from tests.test_permission_matrix import MISSING, PERSONA_ROLES

ACCOUNT = "{id}"
RULE_TABLE: dict[tuple[str, str], tuple[Scope, Action | None]] = {
    ("GET", "/accounts"): (Scope.READ, Action.VIEW_ACCOUNT),
    ("GET", f"/accounts/{ACCOUNT}"): (Scope.READ, Action.VIEW_ACCOUNT),
    ("GET", f"/accounts/{ACCOUNT}/backup-codes"): (Scope.READ, Action.VIEW_CODES),
    ("PUT", f"/accounts/{ACCOUNT}/backup-codes"): (Scope.MANAGE, Action.MANAGE_CODES),
    ("DELETE", f"/accounts/{ACCOUNT}/backup-codes"): (Scope.MANAGE, Action.MANAGE_CODES),
    ("POST", f"/accounts/{ACCOUNT}/backup-codes/claim"): (Scope.USE, Action.MANAGE_CODES),
    ("POST", f"/accounts/{ACCOUNT}/backup-codes/reveal"): (Scope.REVEAL, Action.VIEW_CODES),
    ("GET", "/audit"): (Scope.READ, None),
}
BODIES = {("PUT", f"/accounts/{ACCOUNT}/backup-codes"): {"text": GITHUB_CODES}}
SCOPE_SETS = [[scope] for scope in Scope.values] + [list(Scope.values)]


def operations() -> Iterator[tuple[str, str, Operation]]:
    """(method, path, operation) of every route, the path as the OpenAPI schema writes it."""
    for path, path_view in api.default_router.path_operations.items():
        for operation in path_view.operations:
            for method in operation.methods:
                yield method, re.sub(r"\{\w+:(\w+)\}", r"{\1}", path), operation


ROUTES = sorted((method, path) for method, path, _ in operations())


def test_every_route_has_a_row_in_the_rule_table() -> None:
    for method, path, _ in operations():
        assert (method, path) in RULE_TABLE, f"{method} {path} has no rule in RULE_TABLE"
    assert set(ROUTES) == set(RULE_TABLE)


def test_every_route_declares_the_rule_of_its_row() -> None:
    for method, path, operation in operations():
        rule = rule_of(operation)
        assert rule is not None, f"{method} {path} declares no TokenAuth(scope, action)"
        assert (rule.scope, rule.action) == RULE_TABLE[method, path], (method, path)


def test_the_router_holds_every_route_of_the_schema_and_the_url_conf() -> None:
    schema = api.get_openapi_schema()
    in_schema = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations_of_path in schema["paths"].items()
        for method in operations_of_path
    }
    assert in_schema == set(ROUTES)
    v1 = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/")
    v1_patterns = next(p for p in v1.url_patterns if str(p.pattern) == "v1/").url_patterns
    in_url_conf = {re.sub(r"<\w+:(\w+)>", r"{\1}", "/" + str(p.pattern)) for p in v1_patterns}
    paths = {path for _, path in ROUTES}
    assert in_url_conf == paths | {"/openapi.json", "/"}


def outcome(route: tuple[str, str], role: str | None, scopes: list[str]) -> str:
    scope, action = RULE_TABLE[route]
    if scope not in scopes:
        return "insufficient_scope"
    if action is None or route == ("GET", "/accounts"):
        return "ok"
    return "ok" if role is not None and role in RULES[action] else "not_found"


def url(path: str, account: str) -> str:
    return "/api/v1" + path.replace(ACCOUNT, account)


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
@pytest.mark.parametrize("persona", sorted(PERSONA_ROLES))
def test_the_matrix(
    route: tuple[str, str],
    persona: str,
    account_with_codes: Account,
    request: pytest.FixtureRequest,
    token_for: Callable[..., str],
    api: Api,
) -> None:
    method, path = route
    member = request.getfixturevalue(persona)
    role = PERSONA_ROLES[persona]
    body = BODIES.get(route)
    for scopes in SCOPE_SETS:
        token = token_for(member, *scopes)
        response = api(method, url(path, str(account_with_codes.uuid)), token, body)
        expected = outcome(route, role, scopes)
        case = (method, path, persona, scopes, response.status_code, response.content[:200])
        if expected == "ok":
            assert 200 <= response.status_code < 300, case
            check_success(route, response, role)
        else:
            assert error_of(response)["code"] == expected, case
        if ACCOUNT in path and expected != "insufficient_scope":
            missing = api(method, url(path, MISSING), token, body)
            assert error_of(missing)["code"] == "not_found"
            if expected == "not_found":
                assert response.status_code == missing.status_code == 404
                assert response.content == missing.content, case


def check_success(route: tuple[str, str], response: Any, role: str | None) -> None:
    if route == ("GET", "/accounts"):
        listed = response.json()["accounts"]
        assert [account["role"] for account in listed] == ([role] if role else [])
