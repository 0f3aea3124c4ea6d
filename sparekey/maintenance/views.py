from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sparekey.workspace.models import WorkspaceRole

from .status import maintenance_status


@require_GET
@never_cache
def maintenance(request: HttpRequest) -> HttpResponse:
    # Only the workspace Owner; for anyone else the page does not exist.
    if getattr(request.user, "role", None) != WorkspaceRole.OWNER:
        raise Http404
    return render(request, "maintenance/maintenance.html", {"status": maintenance_status()})
