from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace.models import Member, WorkspaceRole
from tests.conftest import make_member


def test_the_members_page_lists_everyone_for_admins(
    alice: Member, bob: Member, dave: Member, login: Callable[..., Client]
) -> None:
    page = login(dave).get("/members/").content.decode()
    for email in ("alice@example.com", "bob@example.com", "dave@example.com"):
        assert email in page
    assert ">Members</a>" in page


def test_users_neither_see_the_link_nor_the_page(bob: Member, login: Callable[..., Client]) -> None:
    client = login(bob)
    assert ">Members</a>" not in client.get("/").content.decode()
    assert client.get("/members/").status_code == 404


def test_an_admin_changes_roles_below_their_own_only(
    alice: Member, bob: Member, dave: Member, login: Callable[..., Client]
) -> None:
    admin = make_member("admin@example.com", WorkspaceRole.ADMIN)
    client = login(admin)
    response = client.post(f"/members/{bob.uuid}/role/", {"role": WorkspaceRole.LOGIN_ONLY})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.role == WorkspaceRole.LOGIN_ONLY
    event = AuditEvent.objects.get(action=Action.ROLE_CHANGED)
    assert event.detail == {
        "scope": "workspace",
        "member": bob.email,
        "from": "user",
        "to": "login_only",
    }
    # Not to their own rank, and not on someone ranked above them.
    client.post(f"/members/{bob.uuid}/role/", {"role": WorkspaceRole.ADMIN})
    bob.refresh_from_db()
    assert bob.role == WorkspaceRole.LOGIN_ONLY
    assert client.post(f"/members/{dave.uuid}/role/", {"role": "user"}).status_code == 404


def test_a_member_made_login_only_loses_ownership_at_once(
    account_with_codes,
    alice: Member,
    bob: Member,
    login: Callable[..., Client],  # type: ignore[no-untyped-def]
) -> None:
    bobs = login(bob)
    assert bobs.get(f"/accounts/{account_with_codes.uuid}/backup-codes/").status_code == 200
    login(alice).post(f"/members/{bob.uuid}/role/", {"role": WorkspaceRole.LOGIN_ONLY})
    assert bobs.get(f"/accounts/{account_with_codes.uuid}/backup-codes/").status_code == 404
    assert bobs.get(f"/accounts/{account_with_codes.uuid}/").status_code == 200
