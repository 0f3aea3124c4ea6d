"""The Members, Teams and team pages list a page at a time, however many there are."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sparekey.workspace.members_views import MEMBERS_PER_PAGE
from sparekey.workspace.models import Member, Team, TeamMembership
from sparekey.workspace.teams_views import PER_PAGE


def many_members(count: int) -> list[Member]:
    return Member.objects.bulk_create(
        Member(email=f"m{n:03}@example.com", name=f"Member {n:03}", password="!", role="user")
        for n in range(count)
    )


def test_the_members_page_shows_a_page_of_members_and_links_to_the_next(
    alice: Member, login: Callable[[Member], Client]
) -> None:
    many_members(MEMBERS_PER_PAGE + 10)
    client = login(alice)
    first = client.get("/members/").content.decode()
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    second = client.get("/members/", {"page": 2}).content.decode()
    everyone = [f"m{n:03}@example.com" for n in range(MEMBERS_PER_PAGE + 10)]
    assert all(email in first or email in second for email in everyone)
    assert not any(email in first and email in second for email in everyone)


def test_the_teams_page_and_a_team_page_are_paged(
    alice: Member, login: Callable[[Member], Client]
) -> None:
    Team.objects.bulk_create(Team(name=f"Team {n:03}") for n in range(PER_PAGE + 5))
    big = Team.objects.get(name="Team 000")
    TeamMembership.objects.bulk_create(
        TeamMembership(team=big, member=member) for member in many_members(PER_PAGE + 5)
    )
    client = login(alice)
    teams = client.get("/teams/").content.decode()
    assert "Team 049" in teams and "Team 050" not in teams and "Page 1 of 2" in teams
    assert "Team 054" in client.get("/teams/", {"page": 2}).content.decode()
    team = client.get(f"/teams/{big.uuid}/").content.decode()
    table = team.split("<tbody>")[1].split("</tbody>")[0]
    assert "m049@example.com" in table and "m050@example.com" not in table
    assert f"{PER_PAGE + 5}" in teams  # the size is counted over every member, not a page
