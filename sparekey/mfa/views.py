from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sparekey.accounts.models import Account
from sparekey.accounts.permissions import Action, account_view
from sparekey.accounts.views import account_page_context
from sparekey.backup_codes.services import summary as codes_summary
from sparekey.backup_codes.views import rate_limited_page
from sparekey.workspace import confirmation
from sparekey.workspace.confirmation import confirmation_required
from sparekey.workspace.throttle import RateLimited

from . import qr, services
from .forms import MfaSettingsForm, SecretKeyForm, SecretsForm
from .otpauth import to_base32


def _settings_url(account: Account, *, prompt_codes: bool = False) -> str:
    query = {"tab": "settings"} | ({"prompt": "codes"} if prompt_codes else {})
    anchor = "#emergency-controls" if prompt_codes else "#mfa"
    return f"{account.get_absolute_url()}?{urlencode(query)}{anchor}"


def _after_turning_on(request: HttpRequest, account: Account) -> str:
    """Where to go once MFA is on: straight to the backup codes, as the seed recommends."""
    state = services.state_of(account)
    if state.no_backup_codes:
        if not state.has_recovery_note:
            messages.warning(
                request,
                f"MFA is on for {account.name}. Write down in the recovery note how to get back "
                f"in if the MFA device is lost ({account.app} gives no backup codes).",
            )
        return _settings_url(account)
    if codes_summary(account).unused:
        return _settings_url(account)
    messages.warning(
        request,
        f"MFA is on for {account.name}. Save its backup codes now: generate them in "
        f"{account.app}, then use Add codes below. They are the way back in if the MFA "
        "device is lost.",
    )
    return _settings_url(account, prompt_codes=True)


@sensitive_post_parameters("password", "notes")
@never_cache
@require_http_methods(["GET", "POST"])
@account_view(Action.MANAGE_SECRETS)
def edit_secrets(request: HttpRequest, account: Account) -> HttpResponse:
    """Set or change the account's password and More details (a page of its own)."""
    form = SecretsForm(request.POST or None, initial={"notes": ""})
    if request.method == "POST" and form.is_valid():
        changed = services.save_secrets(
            request.user,
            account,
            password=form.new_password(),
            notes=form.cleaned_data["notes"],
            request=request,
        )
        if changed:
            messages.success(request, f"Saved the password and details of {account.name}.")
        else:
            messages.info(request, "Nothing was changed.")
        return redirect(account.get_absolute_url())
    if request.method == "GET":
        form = SecretsForm(initial={"notes": services.notes_of(request.user, account)})
    state = services.state_of(account)
    status = 400 if request.method == "POST" else 200
    context = {"account": account, "form": form, "state": state}
    return render(request, "mfa/edit_secrets.html", context, status=status)


@never_cache
@require_GET
@account_view(Action.VIEW_SECRETS)
@confirmation_required
def view_password(request: HttpRequest, account: Account) -> HttpResponse:
    try:
        password = services.reveal_password(request.user, account, request=request)
    except RateLimited as limited:
        return rate_limited_page(request, account, limited)
    if password is None:
        messages.info(request, f"No password is saved for {account.name}.")
        return redirect(account.get_absolute_url())
    # Rendered, not redirected: the password must not travel through the session or a URL.
    context = account_page_context(request, account, mfa_dialog="password", password=password)
    return render(request, "accounts/account.html", context)


@sensitive_post_parameters("secret")
@never_cache
@require_http_methods(["GET", "POST"])
@account_view(Action.MANAGE_SECRETS)
def set_totp(request: HttpRequest, account: Account) -> HttpResponse:
    """Set as MFA: a dialog on the account page, a page of its own without JS.

    Replacing a saved Secret Key destroys it, so that asks for identity confirmation first.
    """
    if services.state_of(account).has_totp and not confirmation.is_recent(request):
        return redirect(confirmation.confirm_url(request.path))
    form = SecretKeyForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") != "preview":
            turned_on = services.save_totp(
                request.user, account, form.cleaned_data["key"], request=request
            )
            messages.success(request, f"Saved the Secret Key of {account.name}.")
            if turned_on:
                return redirect(_after_turning_on(request, account))
            return redirect(_settings_url(account))
        # "Show code" without JS: show the current code; the key stays in the form (no-store).
        preview = services.current_code_of(form.cleaned_data["key"])
        form = SecretKeyForm(initial={"secret": form.as_uri()})
    status = 400 if request.method == "POST" and preview is None else 200
    if request.POST.get("from") == "dialog":
        context = account_page_context(
            request, account, mfa_dialog="set", totp_form=form, preview=preview
        )
        return render(request, "accounts/account.html", context, status=status)
    context = {"account": account, "form": form, "preview": preview}
    return render(request, "mfa/set_totp.html", context, status=status)


@sensitive_post_parameters("secret")
@never_cache
@require_POST
@account_view(Action.MANAGE_SECRETS)
def preview_totp(request: HttpRequest, account: Account) -> JsonResponse:
    """The current code of a Secret Key being set up, so the user can finish the app's MFA
    set-up before saving. Saves nothing, records nothing."""
    form = SecretKeyForm(request.POST, request.FILES)
    if not form.is_valid():
        reasons = [str(e) for errors in form.errors.values() for e in errors]
        return JsonResponse({"error": " ".join(reasons)}, status=400)
    key = form.cleaned_data["key"]
    shown = services.current_code_of(key)
    return JsonResponse(
        {
            "code": shown.code,
            "seconds_left": shown.seconds_left,
            "period": shown.period,
            "issuer": key.issuer,
            "account_name": key.account_name,
        }
    )


@never_cache
@require_GET
@account_view(Action.VIEW_TOTP_CODE)
def current_code(request: HttpRequest, account: Account) -> JsonResponse:
    """The account's current code and its seconds left, for the page's countdown."""
    shown = services.current_code(request.user, account, request=request)
    if shown is None:
        return JsonResponse({"code": None, "seconds_left": None, "period": None})
    return JsonResponse(
        {"code": shown.code, "seconds_left": shown.seconds_left, "period": shown.period}
    )


@never_cache
@require_GET
@account_view(Action.VIEW_SECRETS)
@confirmation_required
def view_totp_qr(request: HttpRequest, account: Account) -> HttpResponse:
    """View QR code: the Secret Key as a QR code and in base32, to move it elsewhere."""
    try:
        key = services.reveal_totp(request.user, account, request=request)
    except RateLimited as limited:
        return rate_limited_page(request, account, limited)
    if key is None:
        messages.info(request, f"No Secret Key is saved for {account.name}.")
        return redirect(account.get_absolute_url())
    context = account_page_context(
        request,
        account,
        mfa_dialog="qr",
        qr_image=qr.data_uri(key),
        secret_base32=to_base32(key),
        totp_key=key,
    )
    return render(request, "accounts/account.html", context)


@sensitive_post_parameters("recovery_note")
@never_cache
@require_http_methods(["GET", "POST"])
@account_view(Action.MANAGE_SECRETS)
def mfa_settings(request: HttpRequest, account: Account) -> HttpResponse:
    """MFA on or off, its method, and whether the app gives backup codes at all."""
    state = services.state_of(account)
    form = MfaSettingsForm(request.POST or None, has_totp=state.has_totp)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            turned_on = services.save_mfa_settings(
                request.user,
                account,
                enabled=data["enabled"] == "on",
                method=data["method"],
                no_backup_codes=data["no_backup_codes"],
                recovery_note=data["recovery_note"],
                request=request,
            )
        except services.SettingsRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"Saved the MFA settings of {account.name}.")
            if turned_on:
                return redirect(_after_turning_on(request, account))
            return redirect(_settings_url(account))
    if request.method == "GET":
        initial = {
            "enabled": "on" if state.enabled else "off",
            "method": state.method,
            "no_backup_codes": state.no_backup_codes,
            "recovery_note": services.recovery_note_of(request.user, account),
        }
        form = MfaSettingsForm(initial=initial, has_totp=state.has_totp)
    status = 400 if request.method == "POST" else 200
    return render(request, "mfa/settings.html", {"account": account, "form": form}, status=status)
