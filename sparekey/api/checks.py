"""System checks of the API's settings (ids sparekey.api.E0xx)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

API_LIMITS = (
    "SPAREKEY_API_REQUESTS_PER_MINUTE",
    "SPAREKEY_API_AUTH_FAILURES_PER_ADDRESS",
    "SPAREKEY_API_MAX_BODY_BYTES",
)


@checks.register(checks.Tags.security)
def check_api_limits_are_positive(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """A limit below 1 would refuse every API call (or turn it into a server error)."""
    return [
        checks.Error(f"{name} must be 1 or more.", id="sparekey.api.E001")
        for name in API_LIMITS
        if getattr(settings, name) < 1
    ]
