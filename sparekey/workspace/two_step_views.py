"""The member's Two-step login page, the Owner's rule for everyone, and an Admin's reset."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import two_step
from .confirmation import confirmation_required
from .forms import EnrolCodeForm, TwoStepPolicyForm
from .members import may_manage
from .models import LoginTotp, Member, WorkspacePolicy


def _member(request: HttpRequest) -> Member:
    return request.user  # type: ignore[return-value]


@never_cache
@require_GET
def two_step_page(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    row = LoginTotp.objects.filter(member=member).first()
    context = {
        "row": row,
        "is_on": row is not None and row.is_on,
        "codes_left": two_step.recovery_codes_left(member),
        "required": two_step.is_required(),
        "may_set_policy": two_step.may_set_policy(member),
    }
    return render(request, "workspace/two_step.html", context)


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """A new, unconfirmed key; the set-up page, behind a confirmation, shows it."""
    try:
        two_step.start_enrolment(_member(request))
    except two_step.TwoStepError as error:
        messages.error(request, str(error))
        return redirect("two_step")
    return redirect("two_step_setup")


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
@confirmation_required
def setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the key), then prove it with a code: then it is on.

    Behind a confirmation: whoever holds only a session (a borrowed, unlocked laptop) must not
    tie the member's login to their own phone and so lock the member out.
    """
    member = _member(request)
    row = two_step.pending_enrolment(member)
    if row is None:
        return redirect("two_step")
    form = EnrolCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_step.confirm_enrolment(
                member, row, form.cleaned_data["code"], request=request
            )
        except two_step.TwoStepError as error:
            form.add_error("code", str(error))
        else:
            return _recovery_codes_page(request, codes, first=True)
    key = two_step.totp_key(row)
    context = {
        "form": form,
        "qr": two_step.qr_data_uri(key),
        "secret": two_step.secret_text(key),
        "email": member.email,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "workspace/two_step_setup.html", context, status=status)


def _recovery_codes_page(request: HttpRequest, codes: list[str], *, first: bool) -> HttpResponse:
    """The recovery codes, shown this once: only their hashes are kept."""
    response = render(
        request, "workspace/two_step_recovery_codes.html", {"codes": codes, "first": first}
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@confirmation_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes; the old ones stop working."""
    if request.method == "POST":
        try:
            codes = two_step.regenerate_recovery_codes(_member(request), request=request)
        except two_step.TwoStepError as error:
            messages.error(request, str(error))
            return redirect("two_step")
        return _recovery_codes_page(request, codes, first=False)
    return render(request, "workspace/two_step_confirm.html", {"doing": "new_codes"})


@never_cache
@require_http_methods(["GET", "POST"])
@confirmation_required
def turn_off(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            two_step.turn_off(_member(request), request=request)
        except two_step.TwoStepError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Two-step login is off. Your password alone logs you in.")
        return redirect("two_step")
    return render(request, "workspace/two_step_confirm.html", {"doing": "turn_off"})


@never_cache
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    """The Owner's switch: every member must use two-step login."""
    if not two_step.may_set_policy(request.user):
        raise Http404("No such page.")
    return _policy(request)


@confirmation_required
def _policy(request: HttpRequest) -> HttpResponse:
    current = WorkspacePolicy.current()
    form = TwoStepPolicyForm(
        request.POST if request.method == "POST" else None,
        initial={"totp_required": current.totp_required},
    )
    if request.method == "POST" and form.is_valid():
        required = form.cleaned_data["totp_required"]
        try:
            two_step.set_required(request.user, required, request=request)
        except two_step.TwoStepError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "Every member must now use two-step login."
                if required
                else "Two-step login is now each member's choice.",
            )
            return redirect("two_step_policy")
    without = Member.objects.filter(is_active=True).exclude(login_totp__confirmed_at__isnull=False)
    context = {"form": form, "policy": current, "without": without}
    status = 400 if form.errors else 200
    return render(request, "workspace/two_step_policy.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def reset_member(request: HttpRequest, member: UUID) -> HttpResponse:
    """An Admin clears a member's lost authenticator. Roles below the Admin's own only."""
    target = get_object_or_404(Member, uuid=member)
    if not may_manage(request.user, target):
        raise Http404("No such member.")
    return _reset_member(request, target)


@confirmation_required
def _reset_member(request: HttpRequest, target: Member) -> HttpResponse:
    if request.method == "POST":
        try:
            result = two_step.reset(request.user, target, request=request)
        except two_step.TwoStepError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Reset the two-step login of {target.display_name}; "
                f"{result.sessions_ended} of their sessions ended. They were told by e-mail.",
            )
        return redirect("members")
    context = {"target": target, "is_on": two_step.is_on(target)}
    return render(request, "workspace/two_step_reset.html", context)
