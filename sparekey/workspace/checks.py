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


THROTTLE_SETTINGS = (
    "SPAREKEY_LOGIN_FAILURES_PER_EMAIL",
    "SPAREKEY_LOGIN_FAILURES_PER_ADDRESS",
    "SPAREKEY_CONFIRM_FAILURES",
    "SPAREKEY_LOCKOUT_SECONDS",
    "SPAREKEY_REVEALS_PER_HOUR",
    "SPAREKEY_REAUTH_SECONDS",
)


@checks.register(checks.Tags.security)
def check_limits_are_positive(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(f"{name} must be 1 or more.", id="sparekey.E002")
        for name in THROTTLE_SETTINGS
        if getattr(settings, name) < 1
    ]
