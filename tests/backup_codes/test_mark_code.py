from __future__ import annotations

from sparekey.accounts.models import Account
from sparekey.audit.models import Action, AuditEvent
from sparekey.backup_codes.models import BackupCode
from sparekey.workspace.models import Member


def mark(client, account: Account, position: int, state: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/accounts/{account.uuid}/backup-codes/{position}/mark/", {"state": state}, follow=True
    )


def test_an_owner_marks_a_code_used_and_unused_again(
    account_with_codes: Account,
    bob: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    client = login(bob)
    page = mark(client, account_with_codes, 3, "used").content.decode()
    assert "Code #3 is marked used." in page
    assert "5 of 6 unused" in page
    code = BackupCode.objects.get(position=3)
    assert code.used_by == bob
    page = mark(client, account_with_codes, 3, "unused").content.decode()
    assert "6 of 6 unused" in page
    code.refresh_from_db()
    assert code.used_at is None and code.used_by is None
    actions = list(
        AuditEvent.objects.filter(action__startswith="code_marked").values_list("action", flat=True)
    )
    assert actions == [Action.CODE_MARKED_USED, Action.CODE_MARKED_UNUSED]


def test_marking_needs_post_and_a_known_state(
    account_with_codes: Account,
    bob: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    client = login(bob)
    assert (
        client.get(f"/accounts/{account_with_codes.uuid}/backup-codes/1/mark/").status_code == 405
    )
    page = mark(client, account_with_codes, 1, "maybe").content.decode()
    assert "nothing was changed" in page
    assert not BackupCode.objects.filter(used_at__isnull=False).exists()


def test_marking_a_missing_code_changes_nothing(
    account_with_codes: Account,
    bob: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    page = mark(login(bob), account_with_codes, 99, "used").content.decode()
    assert "Code #99 does not exist" in page


def test_marking_requires_csrf(account_with_codes: Account, bob: Member) -> None:
    from django.test import Client

    from tests.conftest import PASSWORD

    client = Client(enforce_csrf_checks=True)
    client.login(username=bob.email, password=PASSWORD)
    response = client.post(
        f"/accounts/{account_with_codes.uuid}/backup-codes/1/mark/", {"state": "used"}
    )
    assert response.status_code == 403
    assert not BackupCode.objects.filter(used_at__isnull=False).exists()
