"""The Members page: invitations, workspace roles, deactivation, handing over the workspace."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import invitations, members
from .members_forms import AcceptInvitationForm, HandoverForm, InviteForm, RoleForm
from .models import Invitation, LoginTotp, Member, WorkspaceRole

MEMBERS_PER_PAGE = 50


def _manager(request: HttpRequest) -> Member:
    if not members.may_manage_members(request.user):
        raise Http404("No such page.")
    return request.user  # type: ignore[return-value]


@require_GET
def member_list(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    roles = members.assignable_roles(actor)
    everyone = Member.objects.order_by("-is_active", "name", "email", "pk")
    page = Paginator(everyone, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        (member, members.may_manage(actor, member), RoleForm(roles, initial={"role": member.role}))
        for member in page
    ]
    context = {
        "rows": rows,
        "page": page,
        "invite_form": InviteForm(roles),
        "invitations": [i for i in Invitation.objects.select_related("invited_by") if i.is_open],
        "is_owner": actor.role == WorkspaceRole.OWNER,
        "two_step_on": set(
            LoginTotp.objects.filter(
                confirmed_at__isnull=False, member__in=[member.pk for member in page]
            ).values_list("member_id", flat=True)
        ),
    }
    return render(request, "workspace/members.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def invite_member(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = InviteForm(
        members.assignable_roles(actor), request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation, link = invitations.invite(
                actor, data["email"], data["role"], name=data["name"], request=request
            )
        except members.MemberError as error:
            form.add_error("email", str(error))
        else:
            # The link is shown this once: only its hash is kept.
            context = {"invitation": invitation, "link": link}
            return render(request, "workspace/invitation_sent.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "workspace/invite.html", {"form": form}, status=status)


@sensitive_post_parameters("password", "password_again")
@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitations.open_invitation(token)
    if invitation is None:
        raise Http404("This invitation has been used or has expired.")
    form = AcceptInvitationForm(
        invitation.email, request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = invitations.accept(
                token,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password"],
                request=request,
            )
        except members.MemberError:
            raise Http404("This invitation has been used or has expired.") from None
        login(request, member, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to Sparekey.")
        return redirect("dashboard")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "invitation": invitation}
    return render(request, "workspace/accept_invitation.html", context, status=status)


def _member(request: HttpRequest, uuid: str) -> tuple[Member, Member]:
    actor = _manager(request)
    member = get_object_or_404(Member, uuid=uuid)
    if not members.may_manage(actor, member):
        raise Http404("No such member.")
    return actor, member


@require_POST
def change_member_role(request: HttpRequest, member: str) -> HttpResponse:
    actor, target = _member(request, member)
    form = RoleForm(members.assignable_roles(actor), request.POST)
    if form.is_valid():
        members.change_role(actor, target, form.cleaned_data["role"], request=request)
        messages.success(request, f"{target.display_name} is now {target.get_role_display()}.")
    else:
        messages.error(request, "Choose a role below your own.")
    return redirect("members")


@require_http_methods(["GET", "POST"])
def deactivate_member(request: HttpRequest, member: str) -> HttpResponse:
    actor, target = _member(request, member)
    if request.method == "POST":
        ended = members.deactivate(actor, target, request=request)
        messages.success(
            request,
            f"Deactivated {target.display_name}; {ended} session{'s' * (ended != 1)} ended.",
        )
        return redirect("members")
    return render(request, "workspace/deactivate.html", {"target": target})


@require_POST
def reactivate_member(request: HttpRequest, member: str) -> HttpResponse:
    actor, target = _member(request, member)
    members.reactivate(actor, target, request=request)
    messages.success(request, f"Reactivated {target.display_name}.")
    return redirect("members")


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def handover(request: HttpRequest) -> HttpResponse:
    """The workspace Owner hands the workspace to another member, confirmed by password."""
    actor: Member = request.user  # type: ignore[assignment]
    if actor.role != WorkspaceRole.OWNER:
        raise Http404("No such page.")
    form = HandoverForm(actor, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        to = form.cleaned_data["to"]
        try:
            members.transfer_ownership(actor, to, form.cleaned_data["password"], request=request)
        except members.MemberError as error:
            form.add_error("password", str(error))
        else:
            messages.success(request, f"{to.display_name} is now the workspace Owner.")
            return redirect("members")
    status = 400 if request.method == "POST" else 200
    return render(request, "workspace/handover.html", {"form": form}, status=status)
