"""What the API takes and gives: the OpenAPI document is generated from these schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict

from sparekey.backup_codes.parser import MAX_PASTE_BYTES

MAX_PAGE = 200


class ErrorDetail(Schema):
    code: str = Field(description="Stable, machine-readable; see the error codes table.")
    message: str = Field(description="A sentence for a person.")


class ErrorOut(Schema):
    error: ErrorDetail


class BackupCodeCounts(Schema):
    saved: bool
    unused: int
    total: int
    low: bool = Field(description="Saved, and at or below the workspace's warning level.")


class AccountOut(Schema):
    id: UUID
    name: str
    app: str
    role: Literal["owner", "collaborator"] = Field(description="The caller's role on it.")
    mfa: bool
    backup_codes: BackupCodeCounts


class AccountPage(Schema):
    accounts: list[AccountOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")
    next: str | None = Field(description="The next page's URL; null at the end.")


class PastedCodes(Schema):
    """The backup codes as the service printed them, in any layout the web dialog accepts."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=MAX_PASTE_BYTES)


class CodeList(Schema):
    """One code per item; they go through the same parser as pasted text."""

    model_config = ConfigDict(extra="forbid")
    codes: list[str] = Field(min_length=1, max_length=100)


class SavedCodesOut(Schema):
    saved: int = Field(description="How many codes were saved.")
    replaced: bool = Field(description="Whether a set saved before was replaced.")
    unused: int
    total: int
    warnings: list[str] = Field(description="What the parser noticed but accepted.")


class CodeStateOut(Schema):
    position: int
    state: Literal["unused", "used"]
    used_at: datetime | None
    used_by: str | None


class CodeStatesOut(Schema):
    unused: int
    total: int
    codes: list[CodeStateOut]


class ClaimedCodeOut(Schema):
    code: str
    position: int
    unused: int = Field(description="How many codes are left unused.")
    total: int
    low: bool


class RevealedCodeOut(Schema):
    position: int
    code: str
    state: Literal["unused", "used"]
    used_at: datetime | None
    used_by: str | None


class RevealedCodesOut(Schema):
    codes: list[RevealedCodeOut]


class EventAccount(Schema):
    id: UUID | None
    name: str


class AuditEventOut(Schema):
    id: int = Field(description="The event's place in the audit chain.")
    at: datetime
    action: str
    actor: str | None = Field(description="The member's e-mail address; null for Sparekey.")
    account: EventAccount | None
    ip: str | None
    detail: dict[str, Any]


class AuditPage(Schema):
    events: list[AuditEventOut]
    next_cursor: str | None
    next: str | None
