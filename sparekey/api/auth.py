"""The API's one door: a bearer token, its scope, then the member's own account role.

Each endpoint declares ``auth=TokenAuth(scope, action)``. A request passes when its token is
valid now, carries ``scope``, and (for an account) its member may ``action`` the account under
sparekey.accounts.permissions, exactly as in the web app. A session cookie opens nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from sparekey.accounts.models import Account
from sparekey.accounts.permissions import Action, account_or_404
from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.workspace.throttle import Limiter, RateLimited

from . import tokens
from .errors import ApiError
from .models import ApiToken, Scope

TOO_MANY_REQUESTS = "Too many requests with this token."
TOO_MANY_FAILURES = "Too many refused tokens from this address."


@dataclass(frozen=True)
class Caller:
    """Who is calling (``request.auth``): the token, its member and what the endpoint needs."""

    token: ApiToken
    scope: Scope
    action: Action | None

    @property
    def member(self) -> Any:
        return self.token.member

    def account(self, account_id: UUID, request: HttpRequest) -> Account:
        """The account if the member may do this endpoint's action to it, else 404 not_found."""
        assert self.action is not None, "this endpoint declares no account action"
        return account_or_404(self.member, account_id, self.action, request)


def token_limiter() -> Limiter:
    return Limiter("api-token", settings.SPAREKEY_API_REQUESTS_PER_MINUTE, 60, TOO_MANY_REQUESTS)


def failure_limiter() -> Limiter:
    return Limiter(
        "api-auth-address",
        settings.SPAREKEY_API_AUTH_FAILURES_PER_ADDRESS,
        settings.SPAREKEY_LOCKOUT_SECONDS,
        TOO_MANY_FAILURES,
    )


class TokenAuth(HttpBearer):
    openapi_bearerFormat = "spk_<prefix>_<secret>"
    openapi_description = (
        "A personal API token, created on the API tokens page or with `sparekey token create`."
    )

    def __init__(self, scope: Scope, action: Action | None = None) -> None:
        super().__init__()
        self.scope = scope
        self.action = action

    def __call__(self, request: HttpRequest) -> Caller | None:
        header = request.headers.get("Authorization", "")
        if not header:
            return None  # ninja answers AuthenticationError: 401 not_authenticated
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            raise ApiError(
                "not_authenticated",
                "Send the API token as `Authorization: Bearer <token>`.",
            )
        return self.authenticate(request, presented.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        try:
            found = tokens.authenticate(token)
        except tokens.TokenRefused as refused:
            raise _refusal(request, refused, token) from None
        # Set before anything is audited, so that every event of this call names the token.
        request.sparekey_token_prefix = found.label  # type: ignore[attr-defined]
        try:
            _count_request(found)
        except RateLimited as limited:
            raise ApiError(
                "rate_limited", str(limited), headers={"Retry-After": str(limited.retry_after)}
            ) from None
        tokens.note_use(found, chain.client_ip(request))
        if self.scope not in found.scope_list:
            chain.record(
                Audit.TOKEN_REFUSED,
                actor=found.member,
                request=request,
                detail={"reason": "insufficient_scope", "wanted": str(self.scope)},
            )
            raise ApiError(
                "insufficient_scope",
                f"This token lacks the `{self.scope}` scope this endpoint needs.",
                headers={
                    "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{self.scope}"'
                },
            )
        return Caller(token=found, scope=self.scope, action=self.action)


def _count_request(token: ApiToken) -> None:
    # One transaction: counts the request, or refuses it (uncounted) at the limit.
    token_limiter().take(token.prefix)


def _refusal(request: HttpRequest, refused: tokens.TokenRefused, presented: str) -> ApiError:
    """Audit a refused token, unless this address has been refused too often already: then
    answer 429 and record one event for the flood instead of one per request."""
    limiter = failure_limiter()
    address = chain.client_ip(request) or "unknown"
    failures = limiter.hit(address)
    if failures > limiter.limit:
        if failures == limiter.limit + 1:
            chain.record(
                Audit.RATE_LIMITED, request=request, detail={"scope": "api-token-failures"}
            )
        try:
            limiter.check(address)
        except RateLimited as limited:
            return ApiError(
                "too_many_failures",
                str(limited),
                headers={"Retry-After": str(limited.retry_after)},
            )
    token = refused.token
    match = tokens.TOKEN_FORMAT.fullmatch(presented)
    detail: dict[str, Any] = {"reason": refused.code}
    if token is not None:
        detail["token"] = token.label
        detail["member"] = token.member.email
    elif match is not None:
        detail["token"] = f"{tokens.TOKEN_TYPE}_{match[1]}"  # a prefix that names no token
    # Only the member who holds the secret is the actor: a wrong secret proves no one.
    actor = token.member if token is not None and refused.code != "invalid_token" else None
    chain.record(Audit.TOKEN_REFUSED, actor=actor, request=request, detail=detail)
    return ApiError(refused.code, refused.message)
