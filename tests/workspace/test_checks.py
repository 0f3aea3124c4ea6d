from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_a_limit_below_one_stops_the_server_at_start(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SPAREKEY_LOGIN_FAILURES_PER_EMAIL = 0
    with pytest.raises(SystemCheckError, match="SPAREKEY_LOGIN_FAILURES_PER_EMAIL must be 1"):
        call_command("check")


def test_debug_is_refused_by_the_deploy_check(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    with pytest.raises(SystemCheckError, match=r"sparekey\.E001"):
        call_command("check", "--deploy")
