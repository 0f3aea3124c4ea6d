from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit

from . import confirmation, throttle, two_step, two_step_login
from .forms import ConfirmIdentityForm, LoginForm, SetupForm
from .models import Member, SetupToken, WorkspaceRole


class LoginView(auth_views.LoginView):
    """Log in by e-mail; failures count per e-mail and per client address, up to a lock-out."""

    form_class = LoginForm
    template_name = "workspace/login.html"
    redirect_authenticated_user = True
    limiters: throttle.LoginLimiters
    email: str
    address: str

    @method_decorator(sensitive_post_parameters())
    @method_decorator(never_cache)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if "start-over" in request.GET:
            two_step_login.forget(request)
        state = two_step_login.pending(request)
        # Half-way through a two-step login, the page asks for the code; an e-mail and password
        # posted again start a new login instead.
        if state is not None and "username" not in request.POST:
            return two_step_login.second_step(request, state)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        two_step_login.forget(request)
        self.limiters = throttle.login_limiters()
        self.email = str(request.POST.get("username", "")).strip().lower()
        self.address = chain.client_ip(request) or "unknown"
        # Refused before any password check, so that a locked e-mail cannot be probed.
        return self.locked_out() or super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        member = form.get_user()
        if two_step.is_on(member):
            # Not logged in yet, and the e-mail's failure count stays until the code is right:
            # a stolen password must not reset the count of guesses at the code.
            two_step_login.begin(self.request, member, self.get_success_url())
            return redirect("login")
        self.limiters.email.reset(self.email)
        return super().form_valid(form)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            self.count_failure()
            return self.locked_out() or super().form_invalid(form)
        return super().form_invalid(form)

    def count_failure(self) -> None:
        two_step_login.count_login_failure(self.request, self.limiters, self.email, self.address)

    def locked_out(self) -> HttpResponse | None:
        try:
            self.limiters.email.check(self.email)
            self.limiters.address.check(self.address)
        except throttle.RateLimited as limited:
            # An unbound form: rendering a bound one would validate it, checking the password.
            form = self.get_form_class()(self.request, initial={"username": self.email})
            context = self.get_context_data(form=form, locked_out=str(limited))
            return too_many(self.render_to_response(context, status=429), limited)
        return None


def too_many(response: HttpResponse, limited: throttle.RateLimited) -> HttpResponse:
    response["Retry-After"] = str(limited.retry_after)
    return response


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest, user: Member, **kwargs: Any) -> None:
    chain.record(Audit.LOGIN, actor=user, request=request)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: HttpRequest, user: Member | None, **kwargs: Any) -> None:
    if user is not None:
        chain.record(Audit.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only a known member is named: free text typed into the Email field (a password, say)
    # never reaches the audit log.
    member = Member.objects.filter(email__iexact=str(credentials.get("username", ""))).first()
    chain.record(
        Audit.LOGIN_FAILED,
        request=request,
        detail={"member": member.email} if member else {"member": None},
    )


@sensitive_post_parameters("password", "password_again")
@never_cache
def setup(request: HttpRequest, token: str) -> HttpResponse:
    """Create the workspace Owner through the one-time link the server printed."""
    if Member.objects.exists():
        raise Http404("The workspace exists already.")
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if not SetupToken.redeem(token) or Member.objects.exists():
                raise Http404("This setup link has been used or has expired.")
            owner = Member.objects.create_member(
                form.cleaned_data["email"],
                form.cleaned_data["password"],
                role=WorkspaceRole.OWNER,
                name=form.cleaned_data["name"],
            )
            chain.record(Audit.WORKSPACE_CREATED, actor=owner, request=request)
        login(request, owner, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to Sparekey. Your workspace is ready.")
        return redirect("dashboard")
    if not SetupToken.objects.filter(token_hash=SetupToken.hash(token)).exists():
        raise Http404("This setup link has been used or has expired.")
    return render(request, "workspace/setup.html", {"form": form})


@sensitive_post_parameters("password")
@never_cache
def confirm_identity(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    member: Member = request.user  # type: ignore[assignment]
    limiter, key = throttle.confirm_limiter(), str(member.pk)
    form = ConfirmIdentityForm(member, request.POST or None)
    try:
        limiter.check(key)  # before the password: a locked confirmation cannot be probed
        if request.method == "POST" and form.is_valid():
            limiter.reset(key)
            confirmation.mark_confirmed(request)
            chain.record(Audit.IDENTITY_CONFIRMED, actor=member, request=request)
            return HttpResponseRedirect(next_url)
        if request.method == "POST":
            chain.record(Audit.IDENTITY_FAILED, actor=member, request=request)
            if form.has_error("password", ConfirmIdentityForm.WRONG_PASSWORD) or form.has_error(
                "code", ConfirmIdentityForm.WRONG_PASSWORD
            ):
                count_confirm_failure(request, member, limiter)
    except throttle.RateLimited as limited:
        context = {
            "form": ConfirmIdentityForm(member),
            "next": next_url,
            "locked_out": str(limited),
        }
        response = render(request, "workspace/confirm_identity.html", context, status=429)
        return too_many(response, limited)
    return render(request, "workspace/confirm_identity.html", {"form": form, "next": next_url})


def count_confirm_failure(request: HttpRequest, member: Member, limiter: throttle.Limiter) -> None:
    """Count a wrong password; raise RateLimited if this one locks confirmation."""
    if limiter.hit(str(member.pk)) == limiter.limit:
        detail = {"scope": "confirm"}
        chain.record(Audit.LOCKED_OUT, actor=member, request=request, detail=detail)
    limiter.check(str(member.pk))
