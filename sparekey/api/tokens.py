"""Issuing, checking and revoking API tokens.

A token is ``spk_<prefix>_<secret>``: 8 visible characters that find its row, and 256 random bits.
The database keeps HMAC-SHA256 of the whole token under a key derived from SECRET_KEY (Django's
``salted_hmac`` with a salt of our own), not the master key: rotating the master key must not
invalidate every script's token. SECRET_KEY_FALLBACKS keep tokens working through a SECRET_KEY
rotation. Digests are compared with ``hmac.compare_digest``.
"""

from __future__ import annotations

import hmac
import re
import secrets
import string
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit

from .models import TOKEN_TYPE, ApiToken, Scope, TokenState

HASH_SALT = "sparekey.api.tokens"
PREFIX_ALPHABET = string.ascii_lowercase + string.digits
PREFIX_LENGTH = 8
SECRET_BYTES = 32
TOKEN_FORMAT = re.compile(rf"{TOKEN_TYPE}_([a-z0-9]{{{PREFIX_LENGTH}}})_([A-Za-z0-9_-]{{43}})")
LABEL_FORMAT = re.compile(rf"(?:{TOKEN_TYPE}_)?([a-z0-9]{{{PREFIX_LENGTH}}})")
MAX_NAME_LENGTH = 100
MAX_EXPIRES_DAYS = 3650
# Recording when a token was last used costs a write; once a minute per token is enough to show.
LAST_USE_PRECISION = timedelta(seconds=60)


class TokenError(ValueError):
    """A token cannot be issued as asked; ``str()`` says why."""


class TokenRefused(Exception):
    """A presented token does not open the API. ``code`` is the API's error code."""

    def __init__(self, code: str, message: str, token: ApiToken | None = None) -> None:
        self.code = code
        self.message = message
        self.token = token
        super().__init__(message)


def digest(token: str, secret: str | bytes | None = None) -> str:
    return salted_hmac(HASH_SALT, token, secret=secret, algorithm="sha256").hexdigest()


def issue(
    member: Any,
    *,
    name: str,
    scopes: list[str],
    expires_days: int | None = None,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``member``; return it with its plaintext, which exists nowhere else."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise TokenError(f"A token needs a name of 1 to {MAX_NAME_LENGTH} characters.")
    if not member.is_active:
        raise TokenError(f"{member.email} is deactivated.")
    chosen = _scopes(scopes)
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise TokenError(f"A token expires after 1 to {MAX_EXPIRES_DAYS} days, or never.")
    now = timezone.now()
    expires_at = now + timedelta(days=expires_days) if expires_days is not None else None
    for _ in range(5):
        prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
        plaintext = f"{TOKEN_TYPE}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
        token = ApiToken(
            member=member,
            name=name,
            prefix=prefix,
            digest=digest(plaintext),
            scopes=" ".join(chosen),
            created_at=now,
            expires_at=expires_at,
        )
        try:
            with transaction.atomic():
                token.save()
                chain.record(
                    Audit.TOKEN_CREATED,
                    actor=actor,
                    request=request,
                    detail={
                        "token": token.label,
                        "member": member.email,
                        "name": name,
                        "scopes": chosen,
                        "expires_at": expires_at.isoformat() if expires_at else None,
                    },
                )
        except IntegrityError:
            continue  # the prefix is taken (1 in 2.8e12 per token): draw another
        return token, plaintext
    raise TokenError("Could not find a free token prefix; try again.")


def revoke(token: ApiToken, *, actor: Any = None, request: HttpRequest | None = None) -> bool:
    """Revoke the token at once; False if it was revoked already."""
    with transaction.atomic():
        now = timezone.now()
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now
        )
        if not changed:
            return False
        token.revoked_at = now
        chain.record(
            Audit.TOKEN_REVOKED,
            actor=actor,
            request=request,
            detail={"token": token.label, "member": token.member.email, "name": token.name},
        )
    return True


def find(label: str) -> ApiToken | None:
    """The token named by its label (``spk_k3v9x0qa``, or just ``k3v9x0qa``)."""
    match = LABEL_FORMAT.fullmatch(label.strip())
    if match is None:
        return None
    return ApiToken.objects.select_related("member").filter(prefix=match[1]).first()


def authenticate(presented: str) -> ApiToken:
    """The token the caller presented, if it opens the API now; else TokenRefused."""
    match = TOKEN_FORMAT.fullmatch(presented)
    if match is None:
        raise TokenRefused("invalid_token", "The token is not a Sparekey API token.")
    token = ApiToken.objects.select_related("member").filter(prefix=match[1]).first()
    if token is None or not _matches(token.digest, presented):
        raise TokenRefused("invalid_token", "The token is not valid.", token)
    state = token.state()
    if state == TokenState.REVOKED:
        raise TokenRefused("token_revoked", "The token has been revoked.", token)
    if state == TokenState.EXPIRED:
        raise TokenRefused("token_expired", "The token has expired.", token)
    if not token.member.is_active:
        raise TokenRefused(
            "member_deactivated", "The member this token belongs to is deactivated.", token
        )
    return token


def note_use(token: ApiToken, address: str | None) -> None:
    """Record when and from where the token was last used (shown on the API tokens page)."""
    now = timezone.now()
    recent = token.last_used_at is not None and now - token.last_used_at < LAST_USE_PRECISION
    if recent and token.last_used_ip == address:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=address)
    token.last_used_at, token.last_used_ip = now, address


def _matches(stored: str, presented: str) -> bool:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    # Every key is tried, so the time taken does not tell which one matched.
    results = [
        hmac.compare_digest(stored.encode(), digest(presented, key).encode()) for key in keys
    ]
    return any(results)


def _scopes(scopes: list[str]) -> list[str]:
    wanted = {str(scope).strip().lower() for scope in scopes}
    if not wanted:
        raise TokenError("A token needs at least one scope: " + ", ".join(Scope.values) + ".")
    if unknown := sorted(wanted - set(Scope.values)):
        raise TokenError(
            f"Unknown scope {', '.join(unknown)}; choose from {', '.join(Scope.values)}."
        )
    return [scope for scope in Scope.values if scope in wanted]
