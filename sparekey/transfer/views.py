"""The Import page (upload -> preview -> confirm -> summary) and the Export pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from sparekey.accounts.models import Account
from sparekey.accounts.permissions import Action, account_view
from sparekey.workspace.confirmation import confirmation_required
from sparekey.workspace.throttle import RateLimited

from . import exporting, importing, pending
from .formats import format_of, read_import
from .forms import ConfirmImportForm, ExportForm, ImportForm
from .items import ImportRefused
from .uploads import TOO_LARGE, LimitedMemoryUploadHandler, body_too_large


@csrf_exempt  # only so that the upload handlers can be set first: _preview checks the token
@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def import_accounts(request: HttpRequest) -> HttpResponse:
    """Members who may add accounts import them; nothing is written before Confirm import."""
    if not importing.may_import(request.user):
        raise Http404("Login-Only members cannot import accounts.")
    if request.method == "GET":
        pending.discard(request)
        return render(request, "transfer/import.html", {"form": ImportForm()})
    if body_too_large(request.META.get("CONTENT_LENGTH")):
        # Refused on what the request says its size is, before its body is read.
        context = {"form": ImportForm(), "refused": TOO_LARGE}
        return render(request, "transfer/import.html", context, status=413)
    handler = LimitedMemoryUploadHandler(request)
    request.upload_handlers = [handler]
    return _preview(request, handler)


@csrf_protect
def _preview(request: HttpRequest, handler: LimitedMemoryUploadHandler) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES, too_large=handler.too_large)
    if not form.is_valid():
        status = 413 if handler.too_large else 400
        return render(request, "transfer/import.html", {"form": form}, status=status)
    uploads = form.cleaned_data["file"]
    try:
        files = [(upload.name or "", upload.read()) for upload in uploads]
    finally:
        for upload in uploads:
            upload.close()
    try:
        format = form.cleaned_data["format"] or format_of(files)
        found = read_import(files, format=format, password=form.cleaned_data["password"] or None)
    except ImportRefused as refused:
        form.add_error("file", refused.reason)
        return render(request, "transfer/import.html", {"form": form}, status=400)
    finally:
        del files
    on_conflict = form.cleaned_data["on_conflict"]
    plan = importing.plan_import(request.user, found, on_conflict, format=format)
    token = pending.keep(request, found, on_conflict, format)
    context = {
        "plan": plan,
        "confirm_form": ConfirmImportForm(initial={"preview": token}),
        "creates": plan.count(importing.Outcome.CREATE),
        "kept_minutes": pending.KEPT_SECONDS // 60,
    }
    return render(request, "transfer/preview.html", context)


@never_cache
@require_POST
def confirm_import(request: HttpRequest) -> HttpResponse:
    if not importing.may_import(request.user):
        raise Http404("Login-Only members cannot import accounts.")
    form = ConfirmImportForm(request.POST)
    try:
        if not form.is_valid():
            raise pending.PreviewExpired
        found, on_conflict, format = pending.take(request, form.cleaned_data["preview"])
    except pending.PreviewExpired:
        messages.error(
            request,
            "That preview has expired or was already imported. Choose the file again.",
        )
        return redirect("import_accounts")
    plan = importing.plan_import(request.user, found, on_conflict, format=format)
    summary = importing.run_import(request.user, plan, request)
    return render(request, "transfer/summary.html", {"summary": summary})


@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("passphrase", "passphrase_again")
@confirmation_required
def export_accounts(request: HttpRequest) -> HttpResponse:
    """An Owner downloads every account they own, encrypted with a passphrase."""
    return _export(request, None)


@require_http_methods(["GET", "POST"])
@account_view(Action.VIEW_SECRETS)
@never_cache
@sensitive_post_parameters("passphrase", "passphrase_again")
@confirmation_required
def export_account(request: HttpRequest, account: Account) -> HttpResponse:
    """The account page's Export: this one account (its Owners only)."""
    return _export(request, account)


def _export(request: HttpRequest, account: Account | None) -> HttpResponse:
    accounts = exporting.exportable(request.user, account)
    form = ExportForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, "account": account, "count": len(accounts)}
    if request.method == "POST" and form.is_valid() and accounts:
        try:
            export = exporting.export_accounts(
                request.user,
                passphrase=form.cleaned_data["passphrase"],
                account=account,
                request=request,
            )
        except RateLimited as limited:
            form.add_error(None, str(limited))
            return render(request, "transfer/export.html", context, status=429)
        except exporting.NothingToExport:
            context["count"] = 0
        else:
            response = HttpResponse(export.data, content_type="application/octet-stream")
            response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
            response["Cache-Control"] = "no-store"
            return response
    status = 400 if request.method == "POST" else 200
    return render(request, "transfer/export.html", context, status=status)
