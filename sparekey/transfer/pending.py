"""The accounts found in an upload, kept between the preview and "Confirm import".

Why this design: the member must not have to upload the file twice, yet neither the file nor the
secrets found in it may sit in clear anywhere between the two requests. So the found accounts are
sealed (AES-GCM, ``sparekey.crypto``) under a random key made for this one preview:

- the sealed blob goes into the member's server-side session, which never leaves the server;
- the key goes into the preview page's form, signed and timestamped by Django's signer, so it is
  refused after ``KEPT_SECONDS`` and cannot be forged or moved to another preview.

The session store alone (a database dump) or the page alone opens nothing; together they open
only what this member uploaded, for a few minutes. The blob is dropped from the session when the
import is confirmed or replaced by another preview. The file itself is never kept: only the
accounts found in it.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import uuid
from typing import Any

from django.core import signing
from django.http import HttpRequest

from sparekey.crypto import Context, CryptoError, Key, open_sealed, seal

from .items import FoundAccount, FoundCodes

KEPT_SECONDS = 15 * 60
SESSION_KEY = "sparekey_import_preview"
SALT = "sparekey.transfer.pending"
PURPOSE = "import-preview"


class PreviewExpired(Exception):
    """The preview is too old, was already imported, or belongs to another session."""


def keep(request: HttpRequest, found: list[FoundAccount], on_conflict: str, format: str) -> str:
    """Seal ``found`` into the session; returns the token for the preview's form."""
    preview = uuid.uuid4()
    key = Key.generate()
    payload = json.dumps(
        {
            "member": str(request.user.pk),
            "on_conflict": on_conflict,
            "format": format,
            "found": [_dump(item) for item in found],
        }
    ).encode()
    sealed = seal(key, payload, Context(PURPOSE, preview, preview))
    request.session[SESSION_KEY] = {
        "id": str(preview),
        "sealed": base64.b64encode(sealed).decode(),
    }
    return signing.dumps(
        {"id": str(preview), "key": base64.b64encode(key.material).decode()}, salt=SALT
    )


def take(request: HttpRequest, token: str) -> tuple[list[FoundAccount], str, str]:
    """Open the preview named by ``token`` and remove it from the session: it imports once.

    Returns (found accounts, on_conflict, format).
    """
    try:
        signed = signing.loads(token, salt=SALT, max_age=KEPT_SECONDS)
    except signing.BadSignature:
        raise PreviewExpired from None
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, dict) or kept.get("id") != signed.get("id"):
        raise PreviewExpired
    del request.session[SESSION_KEY]
    preview = uuid.UUID(signed["id"])
    try:
        key = Key(base64.b64decode(signed["key"]))
        payload = json.loads(
            open_sealed(key, base64.b64decode(kept["sealed"]), Context(PURPOSE, preview, preview))
        )
    except (CryptoError, ValueError, KeyError):
        raise PreviewExpired from None
    if payload["member"] != str(request.user.pk):
        raise PreviewExpired
    found = [_load(item) for item in payload["found"]]
    return found, payload["on_conflict"], payload["format"]


def discard(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def _dump(item: FoundAccount) -> dict[str, Any]:
    fields = dataclasses.asdict(item)
    fields["codes"] = [{**dataclasses.asdict(c), "used": sorted(c.used)} for c in item.codes]
    return fields


def _load(fields: dict[str, Any]) -> FoundAccount:
    codes = [FoundCodes(**{**c, "used": frozenset(c["used"])}) for c in fields["codes"]]
    return FoundAccount(**{**fields, "codes": codes})
