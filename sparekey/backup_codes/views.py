from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sparekey.accounts.models import Account
from sparekey.accounts.permissions import Action, account_view
from sparekey.accounts.views import account_page_context
from sparekey.workspace.confirmation import confirmation_required

from . import services
from .forms import AddCodesForm
from .parser import PasteRefused


@sensitive_post_parameters("codes")
@never_cache
@require_http_methods(["GET", "POST"])
@account_view(Action.MANAGE_CODES)
def add_codes(request: HttpRequest, account: Account) -> HttpResponse:
    """The Add MFA Backup Codes form: a dialog on the account page, a page of its own without JS."""
    form = AddCodesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        parsed = services.save_codes(
            request.user, account, form.cleaned_data["codes"], request=request
        )
        notice = f"Saved {len(parsed.codes)} backup codes for {account.name}."
        if parsed.warnings:
            notice += " " + " ".join(parsed.warnings)
        messages.success(request, notice)
        return redirect(account.get_absolute_url())
    if request.method == "POST" and request.POST.get("from") == "dialog":
        # Re-open the dialog on the account page with the paste kept and the reason shown.
        context = account_page_context(request, account, add_form=form, open_dialog="add")
        return render(request, "accounts/account.html", context, status=400)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "backup_codes/add.html", {"account": account, "form": form}, status=status
    )


@sensitive_post_parameters("codes")
@never_cache
@require_POST
@account_view(Action.MANAGE_CODES)
def preview_codes(request: HttpRequest, account: Account) -> JsonResponse:
    """How many codes a paste holds, for the dialog's live count. Saves nothing."""
    text = request.POST.get("codes", "")
    try:
        parsed = services.preview(text)
    except PasteRefused as refused:
        return JsonResponse({"count": 0, "codes": [], "warnings": [], "error": str(refused)})
    return JsonResponse(
        {"count": len(parsed.codes), "codes": parsed.codes, "warnings": parsed.warnings}
    )


@never_cache
@require_GET
@account_view(Action.VIEW_CODES)
@confirmation_required
def view_codes(request: HttpRequest, account: Account) -> HttpResponse:
    """The View MFA Backup Codes dialog, open on the account page."""
    codes = services.reveal_codes(request.user, account, request=request)
    context = account_page_context(request, account, codes=codes, open_dialog="view")
    return render(request, "accounts/account.html", context)
