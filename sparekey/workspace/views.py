from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit

from . import confirmation
from .forms import ConfirmIdentityForm, LoginForm, SetupForm
from .models import Member, SetupToken, WorkspaceRole


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "workspace/login.html"
    redirect_authenticated_user = True


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
    form = ConfirmIdentityForm(member, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            confirmation.mark_confirmed(request)
            chain.record(Audit.IDENTITY_CONFIRMED, actor=member, request=request)
            return HttpResponseRedirect(next_url)
        chain.record(Audit.IDENTITY_FAILED, actor=member, request=request)
    return render(request, "workspace/confirm_identity.html", {"form": form, "next": next_url})
