from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from sparekey.workspace import invitations
from sparekey.workspace.models import Invitation, Member

NEW_PASSWORD = "another horse battery staple"


def test_the_invitee_sets_name_and_password_and_is_logged_in(dave: Member) -> None:
    _, link = invitations.invite(dave, "gina@example.com", "admin")
    client = Client()
    path = link.split("testserver")[-1]
    assert "gina@example.com" in client.get(path).content.decode()
    data = {"name": "Gina", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    assert client.post(path, data)["Location"] == "/"
    gina = Member.objects.get(email="gina@example.com")
    assert (gina.name, gina.role) == ("Gina", "admin")
    assert client.get("/").status_code == 200


def test_the_link_works_once(dave: Member) -> None:
    _, link = invitations.invite(dave, "gina@example.com", "user")
    path = link.split("testserver")[-1]
    data = {"name": "Gina", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    Client().post(path, data)
    assert Client().get(path).status_code == 404
    assert Client().post(path, data).status_code == 404


def test_an_expired_link_is_refused(dave: Member) -> None:
    _, link = invitations.invite(dave, "gina@example.com", "user")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(link.split("testserver")[-1]).status_code == 404


def test_a_wrong_token_is_refused(db: None) -> None:
    assert Client().get("/invitations/not-a-token/").status_code == 404


def test_a_weak_password_is_refused(dave: Member, login: Callable[..., Client]) -> None:
    _, link = invitations.invite(dave, "gina@example.com", "user")
    data = {"name": "Gina", "password": "short", "password_again": "short"}
    assert Client().post(link.split("testserver")[-1], data).status_code == 400
    assert not Member.objects.filter(email="gina@example.com").exists()
