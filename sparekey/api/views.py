"""The endpoints of /api/v1/. Each declares its rule in ``auth=TokenAuth(scope, action)`` and calls
the same services as the web app, passing the request so that audit events name the token."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, cast
from uuid import UUID

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from ninja import Body, Field, Query, Schema, Status
from pydantic import BeforeValidator

from sparekey.accounts.permissions import Action
from sparekey.accounts.services import accounts_of, with_effective_role
from sparekey.audit.activity import events_visible_to
from sparekey.audit.models import Action as AuditAction
from sparekey.audit.models import AuditEvent
from sparekey.backup_codes import services

from . import cursors
from .auth import Caller, TokenAuth
from .code_states import code_states
from .errors import ApiError, install_handlers
from .models import Scope
from .openapi import SparekeyAPI
from .schemas import (
    MAX_PAGE,
    AccountOut,
    AccountPage,
    AuditPage,
    ClaimedCodeOut,
    CodeList,
    CodeStatesOut,
    ErrorOut,
    PastedCodes,
    RevealedCodesOut,
    SavedCodesOut,
)

api = SparekeyAPI(
    title="Sparekey API",
    version="1",
    description=(
        "Sparekey's JSON API: the same accounts, permissions, single-use codes and audit log as "
        "the web app, for scripts. Authenticate with `Authorization: Bearer <token>`."
    ),
    urls_namespace="api-v1",
    docs_url=None,  # served at /api/docs by sparekey.api.pages, under our CSP
)
install_handlers(api)

# Every endpoint can answer these; each error has the one shape (sparekey.api.errors).
FAILURES = (400, 401, 403, 404, 405, 413, 415, 429, 500)


def responses(ok: dict[int, Any], *extra_failures: int) -> dict[int, Any]:
    return ok | {status: ErrorOut for status in (*FAILURES, *extra_failures)}


class Page(Schema):
    cursor: str | None = Field(None, description="From `next_cursor` of the page before.")
    limit: int = Field(50, ge=1, le=MAX_PAGE)


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_time(value: Any) -> Any:
    # pydantic would also read "1700000000" as a Unix time; the schema promises ISO 8601 only.
    if isinstance(value, str) and not ISO_DATE.match(value):
        raise ValueError("Give an ISO 8601 time, e.g. 2026-01-31T12:00:00Z.")
    return value


IsoTime = Annotated[datetime, BeforeValidator(_iso_time)]


class AuditFilters(Page):
    account: UUID | None = Field(None, description="Only events of this account.")
    action: AuditAction | None = None
    since: IsoTime | None = Field(None, description="Events at or after this time.")
    until: IsoTime | None = Field(None, description="Events before this time.")


@api.get(
    "/accounts",
    response=responses({200: AccountPage}),
    auth=TokenAuth(Scope.READ, Action.VIEW_ACCOUNT),
    url_name="accounts",
    tags=["accounts"],
)
def list_accounts(request: HttpRequest, page: Query[Page]) -> dict[str, Any]:
    """The accounts the token's member holds a role on, by name."""
    caller = _caller(request)
    # The role comes in the same query, whether granted directly or through a team.
    accounts = with_effective_role(accounts_of(caller.member), caller.member)
    accounts = accounts.order_by("name", "app", "uuid")
    if page.cursor is not None:
        name, app, after = cursors.decode("accounts", page.cursor)
        accounts = accounts.filter(
            Q(name__gt=name) | Q(name=name, app__gt=app) | Q(name=name, app=app, uuid__gt=after)
        )
    rows, cursor = cursors.take(
        accounts, page.limit, "accounts", lambda last: [last.name, last.app, str(last.uuid)]
    )
    return {
        "accounts": [_account_out(row) for row in rows],
        "next_cursor": cursor,
        "next": cursors.next_url(request, cursor),
    }


@api.get(
    "/accounts/{uuid:id}",
    response=responses({200: AccountOut}),
    auth=TokenAuth(Scope.READ, Action.VIEW_ACCOUNT),
    url_name="account",
    tags=["accounts"],
)
def get_account(request: HttpRequest, id: UUID) -> dict[str, Any]:
    """One account the token's member holds a role on."""
    caller = _caller(request)
    account = caller.account(id, request)
    row = with_effective_role(accounts_of(caller.member), caller.member).get(pk=account.pk)
    return _account_out(row)


@api.get(
    "/accounts/{uuid:id}/backup-codes",
    response=responses({200: CodeStatesOut}),
    auth=TokenAuth(Scope.READ, Action.VIEW_CODES),
    url_name="backup_codes",
    tags=["backup codes"],
)
def list_codes(request: HttpRequest, id: UUID) -> dict[str, Any]:
    """Each backup code's position and state, and who used it when; never the codes."""
    caller = _caller(request)
    account = caller.account(id, request)
    states = code_states(caller.member, account)
    return {
        "unused": sum(1 for state in states if state.used_at is None),
        "total": len(states),
        "codes": [
            {
                "position": state.position,
                "state": state.state,
                "used_at": state.used_at,
                "used_by": state.used_by or None,
            }
            for state in states
        ],
    }


@api.put(
    "/accounts/{uuid:id}/backup-codes",
    response=responses({201: SavedCodesOut}, 422),
    auth=TokenAuth(Scope.MANAGE, Action.MANAGE_CODES),
    url_name="backup_codes",
    tags=["backup codes"],
)
def save_codes(
    request: HttpRequest, id: UUID, body: Body[PastedCodes | CodeList]
) -> Status[dict[str, Any]]:
    """Save the account's backup codes, replacing any saved before.

    Send the text as the service printed it (`text`), or the codes one by one (`codes`): both go
    through the parser of the web dialog, and what it refuses is answered 422.
    """
    caller = _caller(request)
    account = caller.account(id, request)
    text = body.text if isinstance(body, PastedCodes) else "\n".join(body.codes)
    replaced = services.summary(account).saved
    parsed = services.save_codes(caller.member, account, text, request=request)
    saved = len(parsed.codes)
    return Status(
        201,
        {
            "saved": saved,
            "replaced": replaced,
            "unused": saved,
            "total": saved,
            "warnings": parsed.warnings,
        },
    )


@api.delete(
    "/accounts/{uuid:id}/backup-codes",
    response=responses({204: None}),
    auth=TokenAuth(Scope.MANAGE, Action.MANAGE_CODES),
    url_name="backup_codes",
    tags=["backup codes"],
)
def delete_codes(request: HttpRequest, id: UUID) -> Status[None]:
    """Delete the account's backup codes (the Owners are told)."""
    caller = _caller(request)
    account = caller.account(id, request)
    services.delete_codes(caller.member, account, request=request)
    return Status(204, None)


@api.post(
    "/accounts/{uuid:id}/backup-codes/claim",
    response=responses({200: ClaimedCodeOut}, 409),
    auth=TokenAuth(Scope.USE, Action.MANAGE_CODES),
    url_name="claim_code",
    tags=["backup codes"],
)
def claim_code(request: HttpRequest, id: UUID) -> dict[str, Any]:
    """Claim the next unused code: it is marked used by the token's member and never handed out
    again, whoever else asks at the same moment. 409 `no_unused_codes` when none is left."""
    caller = _caller(request)
    account = caller.account(id, request)
    claimed = services.claim_next_code(caller.member, account, request=request)
    return {
        "code": claimed.code,
        "position": claimed.position,
        "unused": claimed.unused,
        "total": claimed.total,
        "low": claimed.unused <= settings.SPAREKEY_LOW_CODES,
    }


@api.post(
    "/accounts/{uuid:id}/backup-codes/reveal",
    response=responses({200: RevealedCodesOut}),
    auth=TokenAuth(Scope.REVEAL, Action.VIEW_CODES),
    url_name="reveal_codes",
    tags=["backup codes"],
)
def reveal_codes(request: HttpRequest, id: UUID) -> dict[str, Any]:
    """Every code of the account with its state. Counts against the member's hourly limit."""
    caller = _caller(request)
    account = caller.account(id, request)
    revealed = services.reveal_codes(caller.member, account, request=request)
    return {
        "codes": [
            {
                "position": code.position,
                "code": code.code,
                "state": "unused" if code.used_at is None else "used",
                "used_at": code.used_at,
                "used_by": code.used_by or None,
            }
            for code in revealed
        ]
    }


@api.get(
    "/audit",
    response=responses({200: AuditPage}),
    auth=TokenAuth(Scope.READ),
    url_name="audit",
    tags=["audit"],
)
def list_events(request: HttpRequest, filters: Query[AuditFilters]) -> dict[str, Any]:
    """Audit events, newest first. Workspace Owners, Super Admins and Admins see every event;
    other members the events of the accounts they own, and their own."""
    caller = _caller(request)
    events = events_visible_to(caller.member).order_by("-seq")
    if filters.account is not None:
        events = events.filter(account_uuid=filters.account)
    if filters.action is not None:
        events = events.filter(action=filters.action)
    if filters.since is not None:
        events = events.filter(at__gte=_utc(filters.since, "since"))
    if filters.until is not None:
        events = events.filter(at__lt=_utc(filters.until, "until"))
    if filters.cursor is not None:
        (before,) = cursors.decode("audit", filters.cursor)
        events = events.filter(seq__lt=before)
    rows, cursor = cursors.take(events, filters.limit, "audit", lambda last: [last.seq])
    return {
        "events": [_event_out(event) for event in rows],
        "next_cursor": cursor,
        "next": cursors.next_url(request, cursor),
    }


def _caller(request: HttpRequest) -> Caller:
    return cast(Caller, request.auth)  # type: ignore[attr-defined]


def _account_out(account: Any) -> dict[str, Any]:
    total, unused = account.codes_total, account.codes_unused
    return {
        "id": account.uuid,
        "name": account.name,
        "app": account.app,
        "role": account.effective_role,
        "mfa": account.mfa_enabled,
        "backup_codes": {
            "saved": total > 0,
            "unused": unused,
            "total": total,
            "low": total > 0 and unused <= settings.SPAREKEY_LOW_CODES,
        },
    }


def _event_out(event: AuditEvent) -> dict[str, Any]:
    account = None
    if event.account_uuid is not None or event.account_name:
        account = {"id": event.account_uuid, "name": event.account_name}
    return {
        "id": event.seq,
        "at": event.at,
        "action": event.action,
        "actor": event.actor_email or None,
        "account": account,
        "ip": event.ip,
        "detail": event.detail,
    }


def _utc(moment: datetime, name: str) -> datetime:
    """An aware time in UTC (a time without an offset is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ApiError("invalid_request", f"`{name}` is out of range.") from None
