from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sparekey.accounts.models import Account
from sparekey.accounts.permissions import Action, account_view
from sparekey.accounts.views import account_page_context
from sparekey.workspace.confirmation import confirmation_required
from sparekey.workspace.throttle import RateLimited

from . import services
from .forms import AddCodesForm, MarkCodeForm
from .parser import PasteRefused


def _save(request: HttpRequest, account: Account, *, replacing: bool) -> HttpResponse:
    """Add or Replace codes: a dialog on the account page, a page of its own without JS."""
    dialog = "replace" if replacing else "add"
    form = AddCodesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        parsed = services.save_codes(
            request.user, account, form.cleaned_data["codes"], request=request
        )
        verb = "Replaced the codes with" if replacing else "Saved"
        notice = f"{verb} {len(parsed.codes)} backup codes for {account.name}."
        messages.success(request, " ".join([notice, *parsed.warnings]))
        return redirect(account.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and request.POST.get("from") == "dialog":
        # Re-open the dialog on the account page with the paste kept and the reason shown.
        context = account_page_context(request, account, add_form=form, open_dialog=dialog)
        return render(request, "accounts/account.html", context, status=status)
    context = {"account": account, "form": form, "replacing": replacing}
    return render(request, "backup_codes/add.html", context, status=status)


@sensitive_post_parameters("codes")
@never_cache
@require_http_methods(["GET", "POST"])
@account_view(Action.MANAGE_CODES)
def add_codes(request: HttpRequest, account: Account) -> HttpResponse:
    if services.summary(account).saved:
        # Replacing destroys codes, so it goes through Replace codes and its confirmation.
        messages.error(request, "This account has backup codes already: use Replace codes.")
        return redirect("replace_codes", account=account.uuid)
    return _save(request, account, replacing=False)


@sensitive_post_parameters("codes")
@never_cache
@require_http_methods(["GET", "POST"])
@account_view(Action.MANAGE_CODES)
@confirmation_required
def replace_codes(request: HttpRequest, account: Account) -> HttpResponse:
    return _save(request, account, replacing=True)


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
    try:
        codes = services.reveal_codes(request.user, account, request=request)
    except RateLimited as limited:
        return rate_limited_page(request, account, limited)
    context = account_page_context(request, account, codes=codes, open_dialog="view")
    return render(request, "accounts/account.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@account_view(Action.MANAGE_CODES)
@confirmation_required
def use_next_code(request: HttpRequest, account: Account) -> HttpResponse:
    """Use next code: GET explains (and is where identity confirmation returns to), POST claims."""
    if request.method == "GET":
        return render(request, "backup_codes/use_next_code.html", {"account": account})
    try:
        claimed = services.claim_next_code(request.user, account, request=request)
    except services.NoUnusedCodes:
        messages.error(request, f"No unused backup codes are left for {account.name}.")
        return redirect(account.get_absolute_url())
    except RateLimited as limited:
        return rate_limited_page(request, account, limited)
    # Rendered, not redirected: the code must not travel through the session or a URL.
    context = account_page_context(request, account, claimed=claimed, open_dialog="claimed")
    return render(request, "accounts/account.html", context)


@never_cache
@require_POST
@account_view(Action.MANAGE_CODES)
@confirmation_required
def mark_code(request: HttpRequest, account: Account, position: int) -> HttpResponse:
    form = MarkCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That request was not understood; nothing was changed.")
        return redirect("view_codes", account=account.uuid)
    used = form.cleaned_data["state"] == "used"
    try:
        services.mark_code(request.user, account, position, used=used, request=request)
    except services.NoSuchCode:
        messages.error(request, f"Code #{position} does not exist; nothing was changed.")
    else:
        messages.success(request, f"Code #{position} is marked {'used' if used else 'unused'}.")
    return redirect(reverse("view_codes", kwargs={"account": account.uuid}))


@never_cache
@require_http_methods(["GET", "POST"])
@account_view(Action.MANAGE_CODES)
@confirmation_required
def delete_codes(request: HttpRequest, account: Account) -> HttpResponse:
    if request.method == "POST":
        services.delete_codes(request.user, account, request=request)
        messages.success(request, f"Deleted the backup codes of {account.name}.")
        return redirect(account.get_absolute_url())
    summary = services.summary(account)
    return render(request, "backup_codes/delete.html", {"account": account, "summary": summary})


def rate_limited_page(request: HttpRequest, account: Account, limited: RateLimited) -> HttpResponse:
    messages.error(request, str(limited))
    context = account_page_context(request, account)
    response = render(request, "accounts/account.html", context, status=429)
    response["Retry-After"] = str(limited.retry_after)
    return response
