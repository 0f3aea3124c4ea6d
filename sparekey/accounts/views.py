from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sparekey.backup_codes import services as backup_codes
from sparekey.backup_codes.forms import AddCodesForm
from sparekey.mfa.sections import account_section, attach_shields
from sparekey.workspace import confirmation

from . import lifecycle, services, sharing
from .forms import AccountForm, RemoveAccountForm, ShareForm
from .models import Account, AccountRole
from .permissions import Action, account_view, role_of


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    accounts = list(services.accounts_of(request.user))
    attach_shields(accounts)
    low = settings.SPAREKEY_LOW_CODES
    running_low = [a for a in accounts if a.codes_total and a.codes_unused <= low]
    context = {"accounts": accounts, "low_codes": low, "running_low": running_low}
    return render(request, "accounts/dashboard.html", context)


def account_page_context(request: HttpRequest, account: Account, **extra: Any) -> dict[str, Any]:
    """What the account details page shows; the backup-code views render the same page."""
    role = role_of(request.user, account)
    tab = "users" if request.GET.get("tab") == "users" else "settings"
    is_owner = role == AccountRole.OWNER
    access = services.members_of(account)
    context: dict[str, Any] = {
        "account": account,
        "role": role,
        "is_owner": is_owner,
        "tab": tab,
        "access": access,
        "team_grants": [g for g in account.grants.select_related("team") if g.team_id],
        "share_form": ShareForm(sharing.candidates()) if is_owner else None,
        "summary": backup_codes.summary(account),
        "low_codes": settings.SPAREKEY_LOW_CODES,
        "add_form": AddCodesForm(),
        "confirmed": confirmation.is_recent(request),
    }
    context.update(account_section(request, account, role, context["summary"].unused))
    context.update(extra)
    return context


@require_GET
@account_view(Action.VIEW_ACCOUNT)
def account_details(request: HttpRequest, account: Account) -> HttpResponse:
    return render(request, "accounts/account.html", account_page_context(request, account))


@require_http_methods(["GET", "POST"])
def add_account(request: HttpRequest) -> HttpResponse:
    """Users and above add accounts; whoever adds one is its Owner."""
    if not getattr(request.user, "may_add_accounts", False):
        raise Http404("Login-Only members cannot add accounts.")
    form = AccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        account = services.add_account(request.user, **form.cleaned_data)  # type: ignore[arg-type]
        messages.success(request, f"Added {account.name}. You are its Owner.")
        return redirect(account.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/add_account.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@account_view(Action.MANAGE_ACCOUNT)
def edit_account(request: HttpRequest, account: Account) -> HttpResponse:
    form = AccountForm(
        request.POST if request.method == "POST" else None,
        instance=Account.objects.get(pk=account.pk),
    )
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.edit_account(request.user, account, form.cleaned_data, request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved the changes to {account.name}.")
            return redirect(account.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    context = {"account": account, "form": form}
    return render(request, "accounts/edit_account.html", context, status=status)


@require_http_methods(["GET", "POST"])
@account_view(Action.MANAGE_ACCOUNT)
def remove_account(request: HttpRequest, account: Account) -> HttpResponse:
    """**Remove account**: a soft delete with a reason; any Owner can restore it for a while."""
    form = RemoveAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        lifecycle.remove_account(
            request.user, account, form.cleaned_data["reason"], request=request
        )
        messages.success(
            request,
            f"Removed {account.name}. Any of its Owners can restore it from Deleted accounts "
            f"for {settings.SPAREKEY_PURGE_DAYS} days.",
        )
        return redirect("dashboard")
    status = 400 if request.method == "POST" else 200
    context = {"account": account, "form": form, "purge_days": settings.SPAREKEY_PURGE_DAYS}
    return render(request, "accounts/remove_account.html", context, status=status)


@require_GET
def deleted_accounts(request: HttpRequest) -> HttpResponse:
    accounts = [
        (account, lifecycle.purge_date(account))
        for account in lifecycle.deleted_accounts_of(request.user).select_related("deleted_by")
    ]
    return render(request, "accounts/deleted_accounts.html", {"accounts": accounts})


@require_POST
def restore_account(request: HttpRequest, removed: str) -> HttpResponse:
    """Only an Owner of the removed account finds it here; anyone else gets a 404."""
    account = lifecycle.deleted_accounts_of(request.user).filter(uuid=removed).first()
    if account is None:
        raise Http404("No such account.")
    try:
        lifecycle.restore_account(request.user, account, request=request)
    except sharing.NotPermitted:
        raise Http404("No such account.") from None
    messages.success(request, f"Restored {account.name}.")
    return redirect(account.get_absolute_url())
