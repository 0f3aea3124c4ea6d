"""The login's second step, and the workspace rule that every member must have one.

Between the password and the code the member is NOT logged in: the session holds only which
member is half-way and since when, so every page (account pages, API tokens) still sends them to
log in. The half-way state lasts PENDING_SECONDS; wrong codes count against the same limiters as
wrong passwords, so a stolen password buys no more guesses at the code than at the password.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit

from . import throttle, two_step
from .forms import LoginCodeForm
from .models import Member

SESSION_KEY = "sparekey_two_step"
PENDING_SECONDS = 300


def begin(request: HttpRequest, member: Member, next_url: str) -> None:
    """The password was right: remember who is half-way, and where they were going."""
    request.session.cycle_key()  # a session id seen before the password is not the one after
    request.session[SESSION_KEY] = {
        "member": member.pk,
        "at": time.time(),
        "backend": getattr(member, "backend", "django.contrib.auth.backends.ModelBackend"),
        "next": next_url,
    }


def forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def pending(request: HttpRequest) -> dict[str, Any] | None:
    """The half-way state, if there is one and it has not expired (an expired one is dropped)."""
    state = request.session.get(SESSION_KEY)
    if not isinstance(state, dict):
        return None
    started = state.get("at")
    if not isinstance(started, int | float) or not 0 <= time.time() - started < PENDING_SECONDS:
        forget(request)
        return None
    return state


def count_login_failure(
    request: HttpRequest, limiters: throttle.LoginLimiters, email: str, address: str
) -> None:
    """Count a failed password or code against the e-mail and the client address."""
    if limiters.email.hit(email) == limiters.email.limit:
        # Only a known member is named: the text typed may be a password.
        member = Member.objects.filter(email__iexact=email).first()
        detail = {"scope": "email", "member": member.email if member else None}
        chain.record(Audit.LOCKED_OUT, request=request, detail=detail)
    if limiters.address.hit(address) == limiters.address.limit:
        chain.record(Audit.LOCKED_OUT, request=request, detail={"scope": "address"})


def second_step(request: HttpRequest, state: dict[str, Any]) -> HttpResponse:
    """Ask for the authenticator code (or a recovery code); log in only when it is right."""
    # Deactivated between the two steps, or two-step login reset meanwhile: start over.
    member = Member.objects.filter(pk=int(state.get("member") or 0), is_active=True).first()
    if member is None or not two_step.is_on(member):
        forget(request)
        return redirect("login")
    limiters = throttle.login_limiters()
    address = chain.client_ip(request) or "unknown"
    form = LoginCodeForm(request.POST or None)
    try:
        limiters.email.check(member.email)
        limiters.address.check(address)
        if request.method != "POST":
            return _page(request, form)
        if form.is_valid() and two_step.check_login_code(
            member, form.cleaned_data["code"], request=request
        ):
            forget(request)
            limiters.email.reset(member.email)
            login(request, member, backend=state["backend"])
            return redirect(state.get("next") or settings.LOGIN_REDIRECT_URL)
        chain.record(
            Audit.LOGIN_FAILED, request=request, detail={"member": member.email, "step": "code"}
        )
        count_login_failure(request, limiters, member.email, address)
        limiters.email.check(member.email)
        limiters.address.check(address)
        if not form.errors:
            form.add_error("code", LoginCodeForm.WRONG_CODE)
        return _page(request, form)
    except throttle.RateLimited as limited:
        # Locked: the half-way state goes, so the password must be given again after the wait.
        forget(request)
        response = _page(request, LoginCodeForm(), status=429, locked_out=str(limited))
        response["Retry-After"] = str(limited.retry_after)
        return response


def _page(
    request: HttpRequest, form: LoginCodeForm, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {"form": form, "minutes": PENDING_SECONDS // 60, **extra}
    return render(request, "workspace/login_code.html", context, status=status)


# Required by the Owner ---------------------------------------------------------------------------

# What a member who must still turn two-step login on may open.
SETUP_URL_NAMES = {
    "two_step",
    "two_step_start",
    "two_step_setup",
    "confirm_identity",
    "logout",
    "login",
}


class TwoStepRequiredMiddleware:
    """When the Owner requires two-step login, a member without it can open nothing but its
    set-up pages (and log out) until it is on. API tokens are separate credentials: /api/ is
    left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., HttpResponse], args: list, kwargs: dict
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path_info.startswith("/api/"):
            return None
        match = request.resolver_match
        if match is None or match.url_name in SETUP_URL_NAMES:
            return None
        if two_step.is_required() and not two_step.is_on(user):
            return redirect("two_step")
        return None
