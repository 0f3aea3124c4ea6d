"""System checks for settings that could leak a secret (ids sparekey.W0xx / E0xx)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_debug_off(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return [
            checks.Error(
                "SPAREKEY_DEBUG is on: error pages would show request data and settings.",
                hint="Unset SPAREKEY_DEBUG in production.",
                id="sparekey.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_email_backend(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend") and settings.HTTPS:
        return [
            checks.Info(
                "Notices are printed to the console, not sent: set SPAREKEY_EMAIL_BACKEND.",
                id="sparekey.I001",
            )
        ]
    return []
