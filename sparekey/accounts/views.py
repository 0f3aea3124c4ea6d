from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
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

# Cards per dashboard page, and accounts named in the "running out" warning before "and more".
ACCOUNTS_PER_PAGE = 50
RUNNING_LOW_NAMED = 10
# Rows of an account's Users tab per page.
PEOPLE_PER_PAGE = 50


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The member's accounts, a page at a time, searched by name or app on the server (a member
    may hold thousands: neither the page nor a search in the browser could hold them all)."""
    query = request.GET.get("q", "").strip()[:120]
    held = services.accounts_of(request.user)
    low = settings.SPAREKEY_LOW_CODES
    running_low = list(
        held.filter(codes_total__gt=0, codes_unused__lte=low)[: RUNNING_LOW_NAMED + 1]
    )
    if query:
        held = held.filter(Q(name__icontains=query) | Q(app__icontains=query))
    page = Paginator(held, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    accounts = list(page)
    attach_shields(accounts)
    context = {
        "accounts": accounts,
        "page": page,
        "query": query,
        "low_codes": low,
        "running_low": running_low[:RUNNING_LOW_NAMED],
        "more_running_low": len(running_low) > RUNNING_LOW_NAMED,
    }
    return render(request, "accounts/dashboard.html", context)


def account_page_context(request: HttpRequest, account: Account, **extra: Any) -> dict[str, Any]:
    """What the account details page shows; the backup-code views render the same page."""
    role = role_of(request.user, account)
    tab = "users" if request.GET.get("tab") == "users" else "settings"
    is_owner = role == AccountRole.OWNER
    # Everyone's rows are built (three queries, sorted by role), then a page of them is shown.
    people = Paginator(services.members_of(account), PEOPLE_PER_PAGE)
    access = people.get_page(request.GET.get("people"))
    context: dict[str, Any] = {
        "account": account,
        "role": role,
        "is_owner": is_owner,
        "tab": tab,
        "access": list(access),
        "people_page": access,
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
    removed = (
        lifecycle.deleted_accounts_of(request.user)
        .select_related("deleted_by")
        .order_by("name", "app", "pk")  # a total order: no account on two pages, or on none
    )
    page = Paginator(removed, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    accounts = [(account, lifecycle.purge_date(account)) for account in page]
    return render(request, "accounts/deleted_accounts.html", {"accounts": accounts, "page": page})


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
