from __future__ import annotations

from django.test import Client

from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace.models import Member, SetupToken, WorkspaceRole

FORM = {
    "name": "Olivia",
    "email": "olivia@example.com",
    "password": "a long enough passphrase",
    "password_again": "a long enough passphrase",
}


def test_the_setup_link_creates_the_workspace_owner_once(db: None) -> None:
    token = SetupToken.issue()
    client = Client()
    assert client.get(f"/setup/{token}/").status_code == 200
    response = client.post(f"/setup/{token}/", FORM)
    assert response.status_code == 302
    owner = Member.objects.get()
    assert owner.role == WorkspaceRole.OWNER
    assert owner.password.startswith("md5$") or owner.password.startswith("argon2")
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action=Action.WORKSPACE_CREATED).count() == 1
    # The link is spent, and the page is gone now that a member exists.
    assert Client().get(f"/setup/{token}/").status_code == 404
    assert Client().post(f"/setup/{token}/", {**FORM, "email": "x@example.com"}).status_code == 404
    assert Member.objects.count() == 1


def test_a_wrong_setup_token_is_a_404(db: None) -> None:
    SetupToken.issue()
    assert Client().get("/setup/not-the-token/").status_code == 404
    assert Client().post("/setup/not-the-token/", FORM).status_code == 404
    assert not Member.objects.exists()


def test_a_weak_or_mistyped_password_keeps_the_form(db: None) -> None:
    token = SetupToken.issue()
    response = Client().post(f"/setup/{token}/", {**FORM, "password_again": "different"})
    assert response.status_code == 200
    assert "differ" in response.content.decode()
    response = Client().post(
        f"/setup/{token}/", {**FORM, "password": "short", "password_again": "short"}
    )
    assert "too short" in response.content.decode()
    assert not Member.objects.exists()


def test_only_a_hash_of_the_token_is_stored(db: None) -> None:
    token = SetupToken.issue()
    assert not SetupToken.objects.filter(token_hash=token).exists()
    assert SetupToken.objects.filter(token_hash=SetupToken.hash(token)).exists()
