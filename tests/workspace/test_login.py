from __future__ import annotations

import pytest
from django.test import Client

from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace.models import Member
from tests.conftest import PASSWORD


def test_the_login_page_has_the_seed_labels(db: None) -> None:
    page = Client().get("/login/").content.decode()
    assert '<label for="id_username">Email</label>' in page
    assert '<label for="id_password">Password</label>' in page
    assert ">Log in</button>" in page


@pytest.mark.parametrize(
    "path", ["/", "/confirm/", "/accounts/00000000-0000-4000-8000-000000000000/"]
)
def test_anonymous_visitors_are_sent_to_log_in(db: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_logging_in_rotates_the_session_id(alice: Member) -> None:
    client = Client()
    client.get("/login/")
    client.session.save()
    before = client.session.session_key
    response = client.post("/login/", {"username": alice.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.session_key != before


def test_the_email_is_not_case_sensitive(alice: Member) -> None:
    response = Client().post("/login/", {"username": "ALICE@Example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_a_wrong_password_is_refused_and_audited_without_the_password(alice: Member) -> None:
    response = Client().post("/login/", {"username": alice.email, "password": "wrong guess 123"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.detail == {"member": alice.email}
    assert "wrong guess" not in str(event.detail)


def test_text_typed_as_an_email_never_reaches_the_audit(db: None) -> None:
    Client().post("/login/", {"username": "hunter2-secret@nowhere.test", "password": "x"})
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert "hunter2" not in str(event.detail)


def test_a_deactivated_member_cannot_log_in(alice: Member) -> None:
    alice.is_active = False
    alice.save()
    response = Client().post("/login/", {"username": alice.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in Client().session


def test_logging_out_ends_the_session(alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    client = login(alice)
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_logging_out_needs_a_post(alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    client = login(alice)
    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_login_is_audited(alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    login(alice)
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor=alice).count() == 1


def test_an_open_redirect_after_login_is_refused(alice: Member) -> None:
    response = Client().post(
        "/login/?next=https://evil.example/", {"username": alice.email, "password": PASSWORD}
    )
    assert response["Location"] == "/"
