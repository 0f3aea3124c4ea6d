"""The Teams pages: Admins create and delete teams; Team Admins manage their team's members."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import teams
from .members import MemberError
from .members_forms import TeamForm, TeamMemberForm
from .models import Member, Team, TeamMembership, TeamRole

PER_PAGE = 50


def _visible_teams(request: HttpRequest) -> QuerySet[Team]:
    found = Team.objects.all()
    if not teams.may_manage_teams(request.user):
        admin_of = TeamMembership.objects.filter(
            team=OuterRef("pk"), member=request.user.pk, role=TeamRole.ADMIN
        )
        found = found.filter(Exists(admin_of))
    # The size as a subquery, so that a page of teams counts the members of that page only.
    sizes = TeamMembership.objects.filter(team=OuterRef("pk")).order_by().values("team")
    size = Subquery(sizes.annotate(n=Count("pk")).values("n"), output_field=IntegerField())
    return found.annotate(size=Coalesce(size, Value(0))).order_by("name", "pk")


@require_http_methods(["GET", "POST"])
def team_list(request: HttpRequest) -> HttpResponse:
    may_create = teams.may_manage_teams(request.user)
    visible = Paginator(_visible_teams(request), PER_PAGE).get_page(request.GET.get("page"))
    if not may_create and not visible.paginator.count:
        raise Http404("No such page.")
    form = TeamForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_create:
            raise Http404("No such page.")
        if form.is_valid():
            try:
                team = teams.create_team(request.user, form.cleaned_data["name"], request=request)
            except MemberError as error:
                form.add_error("name", str(error))
            else:
                messages.success(request, f"Created the team {team.name}.")
                return redirect("team", team=team.uuid)
    status = 400 if request.method == "POST" else 200
    context = {"teams": list(visible), "page": visible, "form": form, "may_create": may_create}
    return render(request, "workspace/teams.html", context, status=status)


def _team(request: HttpRequest, uuid: str) -> Team:
    team = get_object_or_404(Team, uuid=uuid)
    if not teams.may_manage_team(request.user, team):
        raise Http404("No such team.")
    return team


@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, team: str) -> HttpResponse:
    found = _team(request, team)
    form = TeamMemberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        member = form.cleaned_data["member"]
        try:
            teams.set_membership(
                request.user, found, member, form.cleaned_data["role"], request=request
            )
        except MemberError as error:
            form.add_error("member", str(error))
        else:
            messages.success(request, f"{member.display_name} is in {found.name}.")
            return redirect("team", team=found.uuid)
    memberships = (
        TeamMembership.objects.filter(team=found)
        .select_related("member")
        .order_by("member__name", "pk")
    )
    page = Paginator(memberships, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "team": found,
        "memberships": list(page),
        "page": page,
        "grants": found.grants.select_related("account").filter(  # type: ignore[attr-defined]
            account__deleted_at__isnull=True
        ),
        "form": form,
        "may_delete": teams.may_manage_teams(request.user),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "workspace/team.html", context, status=status)


@require_POST
def remove_team_member(request: HttpRequest, team: str, member: str) -> HttpResponse:
    found = _team(request, team)
    target = get_object_or_404(Member, uuid=member)
    teams.remove_membership(request.user, found, target, request=request)
    messages.success(request, f"{target.display_name} left {found.name}.")
    return redirect("team", team=found.uuid)


@require_POST
def delete_team(request: HttpRequest, team: str) -> HttpResponse:
    found = _team(request, team)
    if not teams.may_manage_teams(request.user):
        raise Http404("No such team.")
    name = found.name
    teams.delete_team(request.user, found, request=request)
    messages.success(request, f"Deleted the team {name}.")
    return redirect("teams")
