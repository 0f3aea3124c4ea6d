from __future__ import annotations

from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .activity import ActivityRow, events_visible_to
from .export import csv_response
from .forms import ActivityFilterForm
from .models import AuditEvent

EVENTS_PER_PAGE = 50


@require_GET
def activity(request: HttpRequest) -> HttpResponse:
    form = ActivityFilterForm(request.user, request.GET)
    events = filtered_events(request, form)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [ActivityRow.of(event) for event in page]
    return render(request, "audit/activity.html", {"form": form, "page": page, "rows": rows})


@require_GET
def activity_export(request: HttpRequest) -> StreamingHttpResponse:
    form = ActivityFilterForm(request.user, request.GET)
    if not form.is_valid():
        raise BadRequest("The Activity filters are not valid.")
    filename = f"sparekey-activity-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_response(filtered_events(request, form), filename)


def filtered_events(request: HttpRequest, form: ActivityFilterForm) -> QuerySet[AuditEvent]:
    """The events the member may see, narrowed by the filters; none while the filters are wrong."""
    events = events_visible_to(request.user)
    return form.apply(events) if form.is_valid() else events.none()
