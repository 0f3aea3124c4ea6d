"""The web pages of the API: API tokens (create, list, revoke) and the API's docs."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sparekey.workspace.confirmation import confirmation_required
from sparekey.workspace.models import Member

from . import tokens
from .forms import TokenForm
from .models import ApiToken, Scope


@never_cache
@require_http_methods(["GET", "POST"])
@confirmation_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Create and list the member's own tokens. A new token is shown on this response only."""
    form = TokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            token, plaintext = tokens.issue(
                request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_days=form.cleaned_data["expires_days"],
                actor=request.user,
                request=request,
            )
            # Rendered, not redirected: the token must not travel through the session or a URL.
            created = {"token": token, "plaintext": plaintext}
            form = TokenForm()
        else:
            status = 400
    context = {
        "form": form,
        "created": created,
        "tokens": ApiToken.objects.filter(member=_member(request)).order_by("-created_at"),
        "scopes": Scope,
        "docs_url": reverse("api_docs"),
    }
    return render(request, "api/tokens.html", context, status=status)


@never_cache
@require_POST
def revoke_token(request: HttpRequest, prefix: str) -> HttpResponse:
    """Revoke one of the member's own tokens. No identity confirmation: taking access away must
    stay quick, e.g. right after a token leaked."""
    token = ApiToken.objects.filter(prefix=prefix, member=_member(request)).first()
    if token is None:
        raise Http404("No such token.")
    if tokens.revoke(token, actor=request.user, request=request):
        messages.success(request, f"Revoked {token.label} ({token.name}). It no longer works.")
    else:
        messages.info(request, f"{token.label} was revoked already.")
    return redirect("api_tokens")


@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI from django-ninja's own static files, started by our static script: no CDN and
    no inline script, so the page works under the site's Content-Security-Policy."""
    return render(request, "api/docs.html", {"openapi_url": reverse("api-v1:openapi-json")})


def _member(request: HttpRequest) -> Member:
    assert isinstance(request.user, Member), "LoginRequiredMiddleware lets only members here"
    return request.user
