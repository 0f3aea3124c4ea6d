"""The API's system checks."""

from __future__ import annotations

from typing import Any

import pytest

from sparekey.api.checks import API_LIMITS, check_api_limits_are_positive


def test_the_default_limits_pass() -> None:
    assert check_api_limits_are_positive(None) == []


@pytest.mark.parametrize("name", API_LIMITS)
def test_a_limit_below_one_stops_the_server(name: str, settings: Any) -> None:
    setattr(settings, name, 0)
    errors = check_api_limits_are_positive(None)
    assert [(error.id, error.msg) for error in errors] == [
        ("sparekey.api.E001", f"{name} must be 1 or more.")
    ]
