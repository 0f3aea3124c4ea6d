from __future__ import annotations

import re
from collections.abc import Callable

from django.core import mail
from django.test import Client

from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace.models import Invitation, Member


def invite(client: Client, email: str = "gina@example.com", role: str = "user") -> str:
    page = client.post("/members/invite/", {"email": email, "name": "Gina", "role": role})
    assert page.status_code == 200, page.content
    found = re.search(r'<code id="invitation-link">([^<]+)</code>', page.content.decode())
    assert found
    return found.group(1)


def test_an_admin_invites_and_sees_the_link_once_while_only_its_hash_is_stored(
    dave: Member,
    login: Callable[..., Client],
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        link = invite(login(dave))
    token = link.rsplit("/", 2)[-2]
    invitation = Invitation.objects.get()
    assert invitation.token_hash == Invitation.hash(token)
    assert token not in str(Invitation.objects.values().get())
    assert mail.outbox[0].to == ["gina@example.com"] and link in mail.outbox[0].body
    assert (
        AuditEvent.objects.get(action=Action.MEMBER_INVITED).detail["email"] == "gina@example.com"
    )
    assert token not in str(AuditEvent.objects.values_list("detail", flat=True))


def test_nobody_invites_at_or_above_their_own_role(
    dave: Member, login: Callable[..., Client]
) -> None:
    response = login(dave).post(
        "/members/invite/", {"email": "x@example.com", "role": "super_admin"}
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_users_cannot_invite(bob: Member, login: Callable[..., Client]) -> None:
    response = login(bob).post("/members/invite/", {"email": "x@example.com", "role": "user"})
    assert response.status_code == 404
