"""`GET /healthz`: may a load balancer send requests to this server?

200 when the database answers and the master key opens what it must (the current audit key
unwraps), 503 otherwise. The body names which of the two failed and nothing more: no error text,
no version, no key id, so that an unauthenticated probe learns nothing an attacker could use.

It touches no session (no cookie is set), writes no audit event, is not throttled, and is exempt
from the HTTPS redirect (settings.SECURE_REDIRECT_EXEMPT): a check over plain HTTP from the load
balancer or 127.0.0.1 carries nothing secret either way.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from sparekey.crypto import CryptoError
from sparekey.keys import keyring
from sparekey.keys.models import AuditKey

logger = logging.getLogger(__name__)


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        # A persistent connection that broke is dropped, so the next check (or request)
        # connects afresh once the database is back.
        connection.close()
        logger.warning("Health check: the database does not answer.")
        return False
    return True


def master_key_opens() -> bool:
    """The keyring loads and covers the stored data, and the current audit key unwraps with it.

    Unwrapped afresh on every check (one AES-GCM operation), not taken from the audit chain's
    cache, so that a keyring that no longer opens the audit key is seen.
    """
    try:
        ring = keyring()
        audit_key = AuditKey.objects.order_by("-created_at", "-pk").first()
        if audit_key is not None:
            audit_key.open(ring)
    except (CryptoError, DatabaseError):
        logger.warning("Health check: the master key does not open the stored keys.")
        return False
    return True


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    database = database_answers()
    key = database and master_key_opens()
    body = {
        "status": "ok" if database and key else "unavailable",
        "database": "ok" if database else "unavailable",
        # Opening the keys needs the database (the wrapped keys live there).
        "key": "ok" if key else ("unavailable" if database else "unchecked"),
    }
    return JsonResponse(body, status=200 if database and key else 503)
