from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sparekey.backup_codes import services as backup_codes
from sparekey.backup_codes.forms import AddCodesForm
from sparekey.workspace import confirmation

from . import services
from .models import Account
from .permissions import Action, account_view, role_of


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    accounts = list(services.accounts_of(request.user))
    low = settings.SPAREKEY_LOW_CODES
    running_low = [a for a in accounts if a.codes_total and a.codes_unused <= low]
    context = {"accounts": accounts, "low_codes": low, "running_low": running_low}
    return render(request, "accounts/dashboard.html", context)


def account_page_context(request: HttpRequest, account: Account, **extra: Any) -> dict[str, Any]:
    """What the account details page shows; the backup-code views render the same page."""
    role = role_of(request.user, account)
    tab = "users" if request.GET.get("tab") == "users" else "settings"
    context: dict[str, Any] = {
        "account": account,
        "role": role,
        "is_owner": role == "owner",
        "tab": tab,
        "grants": services.members_of(account),
        "summary": backup_codes.summary(account),
        "low_codes": settings.SPAREKEY_LOW_CODES,
        "add_form": AddCodesForm(),
        "confirmed": confirmation.is_recent(request),
    }
    context.update(extra)
    return context


@require_GET
@account_view(Action.VIEW_ACCOUNT)
def account_details(request: HttpRequest, account: Account) -> HttpResponse:
    return render(request, "accounts/account.html", account_page_context(request, account))
