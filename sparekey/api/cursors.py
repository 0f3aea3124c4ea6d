"""Opaque pagination cursors: the last row's sort key, signed so that a client cannot forge one.

Keyset pagination (``WHERE key > last``) costs the same on page 1000 as on page 1 and neither
skips nor repeats rows when others are added meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import signing
from django.db.models import QuerySet
from django.http import HttpRequest

from .errors import ApiError

SALT = "sparekey.api.cursor"


def take(
    rows: QuerySet[Any], limit: int, kind: str, key: Callable[[Any], list[Any]]
) -> tuple[list[Any], str | None]:
    """The first ``limit`` rows, and the cursor of the page after them (None if there is none)."""
    found = list(rows[: limit + 1])
    if len(found) <= limit:
        return found, None
    page = found[:limit]
    return page, encode(kind, key(page[-1]))


def encode(kind: str, key: list[Any]) -> str:
    return signing.dumps([kind, *key], salt=SALT, compress=False)


def decode(kind: str, cursor: str) -> list[Any]:
    try:
        value = signing.loads(cursor, salt=SALT)
    except signing.BadSignature:
        raise ApiError("invalid_cursor", "The cursor is not one this list gave out.") from None
    if not isinstance(value, list) or not value or value[0] != kind:
        raise ApiError("invalid_cursor", "The cursor belongs to another list.")
    return value[1:]


def next_url(request: HttpRequest, cursor: str | None) -> str | None:
    """The same request with ``cursor`` replaced: the filters and the limit carry over."""
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return f"{request.path}?{query.urlencode()}"
