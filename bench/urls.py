"""Sparekey's URLs plus the ceiling: the least a Django view can do behind the same stack."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from sparekey.urls import handler400, handler500
from sparekey.urls import urlpatterns as sparekey_urlpatterns

__all__ = ["handler400", "handler500", "urlpatterns"]


@login_not_required
def ceiling(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("bench/ceiling/", ceiling, name="bench_ceiling"), *sparekey_urlpatterns]
