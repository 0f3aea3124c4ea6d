"""The maintenance page: the workspace Owner's alone (anyone else: 404); the last backup and
check, and a warning when there has been no backup for SPAREKEY_BACKUP_WARN_DAYS days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sparekey.maintenance.models import BackupRecord, Verification
from sparekey.workspace.models import Member

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]


def backed_up(days_ago: float, *, with_key: bool = True) -> BackupRecord:
    return BackupRecord.objects.create(
        at=timezone.now() - timedelta(days=days_ago),
        file_name="sparekey-2026-12-04.backup",
        size=1234,
        snapshot_sha256="0" * 64,
        with_key=with_key,
        counts={"accounts": 1},
    )


def test_the_owner_sees_it_with_a_warning_before_any_backup(alice: Member, login: Login) -> None:
    response = login(alice, confirmed=False).get("/maintenance/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Maintenance</h1>" in page
    assert "No backup has been made yet" in page
    assert "No check has been run yet" in page
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("who", ["bob", "carol", "dave"])
def test_anyone_else_gets_a_404(who: str, request: Any, login: Login) -> None:
    member = request.getfixturevalue(who)
    client = login(member, confirmed=False)
    assert client.get("/maintenance/").status_code == 404
    assert 'href="/maintenance/"' not in client.get("/").content.decode()


def test_a_visitor_is_sent_to_log_in() -> None:
    response = Client().get("/maintenance/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_owner_has_the_link(alice: Member, login: Login) -> None:
    assert 'href="/maintenance/"' in login(alice, confirmed=False).get("/").content.decode()


def test_a_recent_backup_shows_without_a_warning(alice: Member, login: Login) -> None:
    backed_up(2, with_key=False)
    page = login(alice, confirmed=False).get("/maintenance/").content.decode()
    assert "sparekey-2026-12-04.backup" in page
    assert "Not in the backup: kept on its own" in page
    assert "No backup for" not in page and "No backup has been made" not in page


def test_an_old_backup_warns(alice: Member, login: Login, settings: Any) -> None:
    backed_up(8)
    page = login(alice, confirmed=False).get("/maintenance/").content.decode()
    assert "No backup for 8 days" in page
    assert "warns after 7 days" in page
    settings.SPAREKEY_BACKUP_WARN_DAYS = 10
    page = login(alice, confirmed=False).get("/maintenance/").content.decode()
    assert "No backup for" not in page


def test_the_last_check_shows_its_result(alice: Member, login: Login) -> None:
    Verification.objects.create(
        ok=False,
        failures=1,
        counts={"accounts": 2, "codes": 6, "audit_events": 9},
        problems=["code 6f1c0d1e-0000-4000-8000-000000000000 of account x: it does not open"],
    )
    page = login(alice, confirmed=False).get("/maintenance/").content.decode()
    assert "1 record failed" in page
    assert "2 accounts, 6 codes, 9 audit events" in page
    assert "6f1c0d1e-0000-4000-8000-000000000000" in page
    Verification.objects.create(ok=True, counts={"accounts": 2, "codes": 6, "audit_events": 10})
    page = login(alice, confirmed=False).get("/maintenance/").content.decode()
    assert "Every secret opened and the audit chain is intact" in page
