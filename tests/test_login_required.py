"""Deny by default (sparekey.middleware.LoginRequiredMiddleware), and its one opt-out: Django's
``login_not_required``, which only the benchmark's ceiling view (bench/urls.py) wears."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver


def views(patterns: list[URLPattern | URLResolver]) -> Iterator[URLPattern]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from views(pattern.url_patterns)
        else:
            yield pattern


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="bench.urls")
def test_a_view_marked_login_not_required_answers_anonymous_visitors() -> None:
    response = Client().get("/bench/ceiling/")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    # The rest of the stack still runs: the ceiling pays what every Sparekey page pays.
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="bench.urls")
def test_every_other_page_still_sends_anonymous_visitors_to_log_in() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_no_sparekey_view_opts_out_of_the_login() -> None:
    opted_out = [
        pattern.name
        for pattern in views(get_resolver("sparekey.urls").url_patterns)
        if getattr(pattern.callback, "login_required", True) is False
    ]
    assert opted_out == [], "list public views in PUBLIC_URL_NAMES, where they are reviewed"
