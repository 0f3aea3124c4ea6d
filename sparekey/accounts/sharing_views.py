"""Share Access, Remove access, and the orphaned accounts' break-glass Assign owners."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from . import orphans, sharing
from .forms import AssignOwnersForm, ShareForm
from .models import Account, AccountRole
from .permissions import Action, account_view
from .services import AccountError, members_of, members_of_each
from .views import ACCOUNTS_PER_PAGE


@require_http_methods(["GET", "POST"])
@account_view(Action.MANAGE_ACCOUNT)
def share_account(request: HttpRequest, account: Account) -> HttpResponse:
    """**Share Access**: a dialog on the account page, and this page without JavaScript."""
    query = request.GET.get("q", "")
    form = ShareForm(sharing.candidates(query), request.POST if request.method == "POST" else None)
    effect = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            to = sharing.recipient(data["recipient"])
            sharing.share(
                request.user,
                account,
                to,
                AccountRole(data["role"]),
                message=data["message"],
                confirmed_effect=data["confirmed"],
                request=request,
            )
        except AccountError as error:
            form.add_error("recipient", str(error))
        except sharing.NeedsConfirmation as needed:
            effect = str(needed)
        else:
            label = AccountRole(data["role"]).label
            messages.success(request, f"Shared {account.name} with {to} as {label}.")
            return redirect(f"{account.get_absolute_url()}?tab=users")
    status = 400 if request.method == "POST" else 200
    context = {"account": account, "form": form, "query": query, "effect": effect}
    return render(request, "accounts/share.html", context, status=status)


@require_http_methods(["GET", "POST"])
@account_view(Action.MANAGE_ACCOUNT)
def remove_access(request: HttpRequest, account: Account, grant: int) -> HttpResponse:
    """**Remove access** after a confirmation that says what the removal does."""
    try:
        found = sharing.grant_of(account, grant)
    except sharing.NotPermitted:
        raise Http404("No such access.") from None
    effect = sharing.effect_of(request.user, account, found, None)
    if request.method == "POST":
        try:
            sharing.remove_grant(
                request.user,
                account,
                found,
                confirmed_effect=request.POST.get("confirmed") == "on",
                request=request,
            )
        except sharing.NeedsConfirmation as needed:
            effect = str(needed)
        else:
            messages.success(request, f"Removed the access of {found.member or found.team}.")
            if effect:
                return redirect("dashboard")  # they may not see the account any more
            return redirect(f"{account.get_absolute_url()}?tab=users")
    context = {"account": account, "grant": found, "effect": effect}
    return render(request, "accounts/remove_access.html", context)


@require_GET
def orphaned_accounts(request: HttpRequest) -> HttpResponse:
    """Accounts with no active Owner left: Super Admins and the workspace Owner only."""
    if not orphans.may_assign_owners(request.user):
        raise Http404("No such page.")
    orphaned = orphans.orphaned_accounts().order_by("name", "app", "pk")
    page = Paginator(orphaned, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    people = members_of_each(list(page))
    accounts = [(account, people[account.pk]) for account in page]
    return render(request, "accounts/orphaned_accounts.html", {"accounts": accounts, "page": page})


@require_http_methods(["GET", "POST"])
def assign_owners(request: HttpRequest, orphan: str) -> HttpResponse:
    """**Assign owners**: the one way a workspace role reaches an account's secrets."""
    if not orphans.may_assign_owners(request.user):
        raise Http404("No such page.")
    account = orphans.orphaned_accounts().filter(uuid=orphan).first()
    if account is None:
        raise Http404("No such orphaned account.")
    form = AssignOwnersForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            orphans.assign_owners(
                request.user, account, form.cleaned_data["owners"], request=request
            )
        except AccountError as error:
            form.add_error("owners", str(error))
        else:
            messages.success(request, f"Assigned new Owners to {account.name}.")
            return redirect(reverse("orphaned_accounts"))
    status = 400 if request.method == "POST" else 200
    context = {"account": account, "form": form, "access": members_of(account)}
    return render(request, "accounts/assign_owners.html", context, status=status)
