"""Effective roles: the highest of a member's grants, direct and via teams."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sparekey.accounts.models import Account, AccountRole, Grant
from sparekey.accounts.permissions import role_of
from sparekey.accounts.services import accounts_of, members_of
from sparekey.workspace.models import Member, Team, TeamMembership


def test_a_team_grant_gives_its_members_the_role(account: Account, erin: Member, ops: Team) -> None:
    assert role_of(erin, account) is None
    Grant.objects.create(account=account, team=ops, role=AccountRole.OWNER)
    assert role_of(erin, account) == AccountRole.OWNER


def test_the_highest_grant_wins(account: Account, carol: Member, ops: Team) -> None:
    TeamMembership.objects.create(team=ops, member=carol)
    Grant.objects.create(account=account, team=ops, role=AccountRole.OWNER)
    assert role_of(carol, account) == AccountRole.OWNER


def test_a_login_only_member_is_at_most_a_collaborator(
    account: Account, frank: Member, ops: Team
) -> None:
    TeamMembership.objects.create(team=ops, member=frank)
    Grant.objects.create(account=account, team=ops, role=AccountRole.OWNER)
    assert role_of(frank, account) == AccountRole.COLLABORATOR


def test_a_deactivated_member_has_no_role(account: Account, bob: Member) -> None:
    bob.is_active = False
    assert role_of(bob, account) is None


def test_role_of_asks_one_query(account: Account, erin: Member, ops: Team) -> None:
    Grant.objects.create(account=account, team=ops, role=AccountRole.COLLABORATOR)
    Grant.objects.create(account=account, member=erin, role=AccountRole.OWNER)
    with CaptureQueriesContext(connection) as queries:
        assert role_of(erin, account) == AccountRole.OWNER
    assert len(queries) == 1


def test_accounts_of_shows_each_account_once_with_true_counts(
    account_with_codes: Account, erin: Member, ops: Team
) -> None:
    Grant.objects.create(account=account_with_codes, team=ops, role=AccountRole.COLLABORATOR)
    Grant.objects.create(account=account_with_codes, member=erin, role=AccountRole.OWNER)
    other = Team.objects.create(name="Social")
    TeamMembership.objects.create(team=other, member=erin)
    Grant.objects.create(account=account_with_codes, team=other, role=AccountRole.OWNER)
    with CaptureQueriesContext(connection) as queries:
        cards = list(accounts_of(erin))
    assert len(queries) == 1
    assert [c.name for c in cards] == ["Brand X"]
    assert (cards[0].codes_total, cards[0].codes_unused) == (6, 6)


def test_members_of_gives_one_row_per_member_with_where_it_comes_from(
    account: Account, carol: Member, erin: Member, ops: Team
) -> None:
    TeamMembership.objects.create(team=ops, member=carol)
    Grant.objects.create(account=account, team=ops, role=AccountRole.OWNER)
    rows = {row.member.email: row for row in members_of(account)}
    assert rows["carol@example.com"].role == AccountRole.OWNER
    assert rows["carol@example.com"].shared_via == ["Account", "Ops"]
    assert rows["erin@example.com"].shared_via == ["Ops"]
    assert len(rows) == 4


def test_members_of_asks_a_fixed_number_of_queries(account: Account, ops: Team) -> None:
    Grant.objects.create(account=account, team=ops, role=AccountRole.OWNER)
    with CaptureQueriesContext(connection) as few:
        members_of(account)
    for n in range(5):
        member = Member.objects.create_member(f"m{n}@example.com", None)
        TeamMembership.objects.create(team=ops, member=member)
    with CaptureQueriesContext(connection) as many:
        members_of(account)
    assert len(few) == len(many) == 3


def test_the_database_refuses_a_grant_to_both_or_neither(account: Account, erin: Member) -> None:
    import pytest
    from django.db import IntegrityError, transaction

    team = Team.objects.create(name="Both")
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.create(account=account, member=erin, team=team, role=AccountRole.OWNER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.create(account=account, role=AccountRole.OWNER)
