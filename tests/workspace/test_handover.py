from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace.models import Member, WorkspaceRole
from tests.conftest import PASSWORD


def test_the_owner_hands_over_the_workspace_with_their_password(
    alice: Member, bob: Member, login: Callable[..., Client]
) -> None:
    response = login(alice).post("/members/handover/", {"to": bob.pk, "password": PASSWORD})
    assert response.status_code == 302
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.role, bob.role) == (WorkspaceRole.SUPER_ADMIN, WorkspaceRole.OWNER)
    assert Member.objects.filter(role=WorkspaceRole.OWNER).count() == 1
    assert AuditEvent.objects.get(action=Action.OWNERSHIP_TRANSFERRED).detail["to"] == bob.email


def test_a_wrong_password_changes_nothing(
    alice: Member, bob: Member, login: Callable[..., Client]
) -> None:
    response = login(alice).post("/members/handover/", {"to": bob.pk, "password": "nope"})
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.role == WorkspaceRole.OWNER


def test_only_the_owner_can_hand_over(dave: Member, login: Callable[..., Client]) -> None:
    assert login(dave).get("/members/handover/").status_code == 404
