"""Who a notice reaches: the same people the Users tab shows with that role, each once."""

from __future__ import annotations

from sparekey.accounts import notices
from sparekey.accounts.models import Account, AccountRole, Grant
from sparekey.accounts.services import members_of
from sparekey.workspace.models import Member, Team, TeamMembership, WorkspaceRole
from tests.conftest import make_member


def test_owners_and_everyone_match_the_users_tab_over_every_way_of_being_reached(
    account: Account, alice: Member, bob: Member, carol: Member
) -> None:
    ops = Team.objects.create(name="Ops")
    social = Team.objects.create(name="Social")
    via_team = make_member("via-team@example.com")
    both = make_member("both@example.com")
    login_only = make_member("login-only@example.com", role=WorkspaceRole.LOGIN_ONLY)
    gone = make_member("gone@example.com")
    team_collaborator = make_member("team-collaborator@example.com")
    for member in (via_team, both, login_only, gone):
        TeamMembership.objects.create(team=ops, member=member)
    TeamMembership.objects.create(team=social, member=team_collaborator)
    TeamMembership.objects.create(team=social, member=both)
    Grant.objects.create(account=account, team=ops, role=AccountRole.OWNER)
    Grant.objects.create(account=account, team=social, role=AccountRole.COLLABORATOR)
    Grant.objects.create(account=account, member=both, role=AccountRole.COLLABORATOR)
    gone.is_active = False
    gone.save()

    rows = members_of(account)
    expected_owners = sorted(r.member.email for r in rows if r.role == AccountRole.OWNER)
    expected_everyone = sorted(r.member.email for r in rows if r.role is not None)
    assert [m.email for m in notices.owners_of(account)] == expected_owners
    assert [m.email for m in notices.everyone_of(account)] == expected_everyone
    # What the comparison covers: direct and team Owners, a member reached twice, a Login-Only
    # member capped to Collaborator, a deactivated member left out.
    assert expected_owners == sorted([alice.email, bob.email, via_team.email, both.email])
    assert login_only.email in expected_everyone and gone.email not in expected_everyone
    assert carol.email in expected_everyone and team_collaborator.email in expected_everyone
