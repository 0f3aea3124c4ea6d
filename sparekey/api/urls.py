"""Everything under /api/: version 1, its docs, and a JSON 404 for any other path."""

from django.urls import URLPattern, URLResolver, include, path, re_path

from . import pages
from .errors import guard, not_found
from .views import api


def guarded(patterns: list[URLPattern | URLResolver]) -> list[URLPattern]:
    """The API's URL patterns, each view wrapped in ``guard``; ninja's are all flat patterns."""
    flat = [entry for entry in patterns if isinstance(entry, URLPattern)]
    assert len(flat) == len(patterns), "an unguarded URL resolver under /api/v1/"
    return [
        URLPattern(entry.pattern, guard(entry.callback), entry.default_args, entry.name)
        for entry in flat
    ]


# Not module-level ``app_name``/``namespace``: Django would take them for this module's own.
v1_patterns, v1_app, v1_namespace = api.urls

urlpatterns = [
    path("v1/", include((guarded(v1_patterns), v1_app), namespace=v1_namespace)),
    path("docs", guard(pages.api_docs), name="api_docs"),
    re_path(r"", not_found, name="api_not_found"),
]
