from __future__ import annotations

from collections.abc import Callable

from django.core import mail
from django.test import Client

from sparekey.accounts.models import Account, AccountRole, Grant
from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace.models import Member, Team


def share(client: Client, account: Account, recipient: str, role: str, **extra: str):  # type: ignore[no-untyped-def]
    data = {"recipient": recipient, "role": role, **extra}
    return client.post(f"/accounts/{account.uuid}/share/", data)


def test_the_account_page_offers_share_access_to_owners_only(
    account: Account, alice: Member, carol: Member, login: Callable[..., Client]
) -> None:
    page = login(alice).get(f"/accounts/{account.uuid}/").content.decode()
    assert 'data-opens="share-dialog">Share</a>' in page
    assert '<h2 id="share-title">Share Access</h2>' in page
    assert "<legend>Members and Teams</legend>" in page
    assert "Share Access" not in login(carol).get(f"/accounts/{account.uuid}/").content.decode()


def test_the_share_page_works_without_javascript_and_searches(
    account: Account, alice: Member, erin: Member, ops: Team, login: Callable[..., Client]
) -> None:
    page = login(alice).get(f"/accounts/{account.uuid}/share/?q=ops").content.decode()
    assert "<h1>Share Access</h1>" in page
    assert f'value="team:{ops.uuid}"' in page
    assert f'value="member:{erin.uuid}"' not in page


def test_an_owner_shares_with_a_member_who_is_told_with_the_message(
    account: Account,
    alice: Member,
    erin: Member,
    login: Callable[..., Client],
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    client = login(alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = share(client, account, f"member:{erin.uuid}", "owner", message="Welcome!")
    assert response.status_code == 302
    assert Grant.objects.get(account=account, member=erin).role == AccountRole.OWNER
    to_erin = [m for m in mail.outbox if m.subject.endswith("was shared with you")]
    assert to_erin[0].to == ["erin@example.com"]
    assert "Welcome!" in to_erin[0].body
    assert {"alice@example.com", "bob@example.com"} <= {m.to[0] for m in mail.outbox}
    event = AuditEvent.objects.filter(action=Action.GRANT_ADDED).get()
    assert event.detail == {"to": "erin@example.com", "kind": "member", "role": "owner"}


def test_an_owner_shares_with_a_team(
    account: Account, alice: Member, erin: Member, ops: Team, login: Callable[..., Client]
) -> None:
    share(login(alice), account, f"team:{ops.uuid}", "collaborator")
    assert login(erin).get(f"/accounts/{account.uuid}/").status_code == 200
    page = login(alice).get(f"/accounts/{account.uuid}/?tab=users").content.decode()
    assert "<td>Erin</td><td>erin@example.com</td><td>Collaborator</td><td>Ops</td>" in page


def test_changing_a_role_is_audited(
    account: Account, alice: Member, carol: Member, login: Callable[..., Client]
) -> None:
    share(login(alice), account, f"member:{carol.uuid}", "owner")
    event = AuditEvent.objects.filter(action=Action.ROLE_CHANGED).get()
    assert event.detail["from"] == "collaborator" and event.detail["role"] == "owner"


def test_a_login_only_member_cannot_be_made_owner(
    account: Account, alice: Member, frank: Member, login: Callable[..., Client]
) -> None:
    response = share(login(alice), account, f"member:{frank.uuid}", "owner")
    assert response.status_code == 400
    assert "Login-Only and can only be a Collaborator" in response.content.decode()
    assert not Grant.objects.filter(member=frank).exists()


def test_demoting_oneself_asks_for_confirmation_first(
    account: Account, bob: Member, login: Callable[..., Client]
) -> None:
    client = login(bob)
    response = share(client, account, f"member:{bob.uuid}", "collaborator")
    assert response.status_code == 400
    assert "You will no longer be an Owner" in response.content.decode()
    assert Grant.objects.get(member=bob).role == AccountRole.OWNER
    share(client, account, f"member:{bob.uuid}", "collaborator", confirmed="on")
    assert Grant.objects.get(member=bob).role == AccountRole.COLLABORATOR


def test_a_collaborator_cannot_share(
    account: Account, carol: Member, erin: Member, login: Callable[..., Client]
) -> None:
    assert share(login(carol), account, f"member:{erin.uuid}", "owner").status_code == 404
    assert not Grant.objects.filter(member=erin).exists()
