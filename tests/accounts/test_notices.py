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


def test_last_used_is_each_members_newest_event_on_that_account_only(
    account: Account, alice: Member, bob: Member, carol: Member
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from sparekey.accounts.services import add_account, members_of_each
    from sparekey.audit import chain
    from sparekey.audit.models import Action, AuditEvent

    other = add_account(alice, name="Other", app="Other")
    Grant.objects.create(account=other, member=bob, role=AccountRole.OWNER)
    for actor, on in ((alice, account), (alice, account), (bob, other), (bob, other)):
        chain.record(Action.CODES_VIEWED, actor=actor, account=on)
    newest = {
        (e.account_id, e.actor_id): e.at
        for e in AuditEvent.objects.filter(account__isnull=False, actor__isnull=False).order_by(
            "seq"
        )
    }
    rows = {r.member.pk: r.last_used for r in members_of(account)}
    assert rows[alice.pk] == newest[(account.pk, alice.pk)]
    assert rows[bob.pk] is None and rows[carol.pk] is None  # Bob's events are on Other
    # The page of several accounts (orphaned accounts) gives the same answers.
    both = members_of_each([account, other])
    assert {r.member.pk: r.last_used for r in both[account.pk]} == rows
    assert {r.member.pk: r.last_used for r in both[other.pk]}[bob.pk] == newest[(other.pk, bob.pk)]
    assert timezone.now() - rows[alice.pk] < timedelta(minutes=5)
