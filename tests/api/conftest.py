"""API tests: tokens for the personas of tests/conftest.py, and a client that sends them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

import pytest
from django.test import Client

from sparekey.api import tokens
from sparekey.api.models import Scope
from sparekey.audit.models import AuditEvent
from sparekey.workspace.models import Member
from tests.commands.conftest import migrated_data_dir, sparekey  # noqa: F401  (fixtures)

ALL_SCOPES = list(Scope.values)


class Api(Protocol):
    def __call__(
        self, method: str, path: str, token: str | None = ..., body: Any = ..., **extra: Any
    ) -> Any: ...


@pytest.fixture(autouse=True)
def generous_limits(settings: Any) -> None:
    """The per-token and per-member limits have tests of their own; others should not hit them."""
    settings.SPAREKEY_API_REQUESTS_PER_MINUTE = 10_000
    settings.SPAREKEY_REVEALS_PER_HOUR = 10_000
    settings.SPAREKEY_API_AUTH_FAILURES_PER_ADDRESS = 10_000


@pytest.fixture
def token_for(db: None) -> Callable[..., str]:
    """``token_for(member, "use", "read")``: a new token of the member, in plaintext."""

    def issue(member: Member, *scopes: str, expires_days: int | None = None) -> str:
        _, plaintext = tokens.issue(
            member,
            name="test token",
            scopes=list(scopes or ALL_SCOPES),
            expires_days=expires_days,
            actor=member,
        )
        return plaintext

    return issue


@pytest.fixture
def api() -> Api:
    """Call the API as a script would: a bearer token, JSON in and out, no cookies."""
    client = Client()

    def call(
        method: str, path: str, token: str | None = None, body: Any = None, **extra: Any
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        headers |= extra.pop("headers", {})
        kwargs: dict[str, Any] = {"headers": headers, **extra}
        if body is not None:
            kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
        elif method.upper() != "GET":
            # As curl and urllib send it: no body (Django's client would send an empty form).
            kwargs |= {"data": b"", "content_type": "application/json"}
        return getattr(client, method.lower())(path, **kwargs)

    return call


def error_of(response: Any) -> dict[str, str]:
    """The error of a response, asserting it has the one shape and nothing else."""
    assert response["Content-Type"] == "application/json", response.content
    body = json.loads(response.content)
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"]
    return dict(body["error"])


def last_event(action: str | None = None) -> AuditEvent:
    events = AuditEvent.objects.order_by("-seq")
    if action is not None:
        events = events.filter(action=action)
    event = events.first()
    assert event is not None, f"no {action or ''} event"
    return event
