from __future__ import annotations

from django.core import mail

from sparekey.accounts.models import Account
from sparekey.audit.models import Action, AuditEvent
from sparekey.backup_codes.models import BackupCode, CodeSet
from sparekey.workspace.models import Member


def test_replace_destroys_the_old_set_once_the_new_one_is_saved(
    account_with_codes: Account,
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    client = login(alice)
    client.post(f"/accounts/{account_with_codes.uuid}/backup-codes/next/")
    old_set = CodeSet.objects.get()
    response = client.post(
        f"/accounts/{account_with_codes.uuid}/backup-codes/replace/",
        {"codes": "24363546 48563968 86621135"},
        follow=True,
    )
    assert "Replaced the codes with 3 backup codes for Brand X." in response.content.decode()
    assert not CodeSet.objects.filter(pk=old_set.pk).exists()
    assert BackupCode.objects.count() == 3
    event = AuditEvent.objects.get(action=Action.CODES_REPLACED)
    assert event.detail == {"codes": 3, "replaced_unused": 5, "replaced_total": 6}


def test_a_refused_replacement_keeps_the_old_codes(
    account_with_codes: Account,
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    response = login(alice).post(
        f"/accounts/{account_with_codes.uuid}/backup-codes/replace/",
        {"codes": "nothing useful here", "from": "dialog"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Replace MFA Backup Codes" in page
    assert "nothing useful here" in page
    assert BackupCode.objects.count() == 6


def test_the_replace_page_asks_for_confirmation(
    account_with_codes: Account,
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    client = login(alice, confirmed=False)
    response = client.get(f"/accounts/{account_with_codes.uuid}/backup-codes/replace/")
    assert response["Location"].startswith("/confirm/")


def test_delete_asks_then_destroys_the_set(
    account_with_codes: Account,
    bob: Member,
    login,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    client = login(bob)
    page = client.get(f"/accounts/{account_with_codes.uuid}/backup-codes/delete/").content.decode()
    assert "Delete the backup codes of Brand X?" in page
    assert BackupCode.objects.count() == 6
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/accounts/{account_with_codes.uuid}/backup-codes/delete/", follow=True
        )
    assert "Deleted the backup codes of Brand X." in response.content.decode()
    assert ">Add codes</a>" in response.content.decode()
    assert not BackupCode.objects.exists()
    event = AuditEvent.objects.get(action=Action.CODES_DELETED)
    assert event.detail == {"deleted_unused": 6, "deleted_total": 6}
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "bob@example.com"]
