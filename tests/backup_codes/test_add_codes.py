from __future__ import annotations

from pathlib import Path

from sparekey.accounts.models import Account
from sparekey.audit.models import Action, AuditEvent
from sparekey.backup_codes.models import BackupCode
from sparekey.workspace.models import Member

CORPUS = Path(__file__).parent.parent / "corpus" / "pasted-codes"


def test_an_owner_saves_pasted_codes(account: Account, alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    client = login(alice)
    text = (CORPUS / "google-file.txt").read_text()
    response = client.post(
        f"/accounts/{account.uuid}/backup-codes/add/",
        {"codes": text, "from": "dialog"},
        follow=True,
    )
    page = response.content.decode()
    assert 'role="status">Saved 10 backup codes for Brand X.' in page
    assert BackupCode.objects.filter(code_set__account=account).count() == 10
    assert "10 of 10 unused" in page


def test_saving_is_audited_without_the_codes(account: Account, alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    login(alice).post(
        f"/accounts/{account.uuid}/backup-codes/add/", {"codes": "f0b26-536b5\na0b2b-5c0ec"}
    )
    event = AuditEvent.objects.get(action=Action.CODES_SAVED)
    assert event.actor == alice
    assert event.account == account
    assert event.detail == {"codes": 2}
    assert event.ip == "127.0.0.1"
    assert "f0b26" not in str(event.detail)


def test_a_refused_paste_saves_nothing_and_keeps_the_text(
    account: Account, alice: Member, login
) -> None:  # type: ignore[no-untyped-def]
    client = login(alice)
    text = "f0b26-536b5\na0b2b-5c0e\u202ec"
    response = client.post(
        f"/accounts/{account.uuid}/backup-codes/add/", {"codes": text, "from": "dialog"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 2" in page
    assert "f0b26-536b5" in page  # the paste is kept in the dialog so it can be fixed
    assert "open data-modal" in page
    assert not BackupCode.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.CODES_SAVED).exists()


def test_a_paste_without_codes_is_refused(account: Account, alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    response = login(alice).post(
        f"/accounts/{account.uuid}/backup-codes/add/", {"codes": "I lost them, sorry."}
    )
    assert response.status_code == 400
    assert "No backup codes were found" in response.content.decode()
    assert not BackupCode.objects.exists()


def test_an_oversized_paste_is_refused(account: Account, alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    response = login(alice).post(
        f"/accounts/{account.uuid}/backup-codes/add/", {"codes": "12345678\n" * 3000}
    )
    assert response.status_code == 400
    assert "16 KiB" in response.content.decode()
    assert not BackupCode.objects.exists()


def test_without_javascript_the_form_is_a_page_of_its_own(
    account: Account, alice: Member, login
) -> None:  # type: ignore[no-untyped-def]
    client = login(alice)
    page = client.get(f"/accounts/{account.uuid}/backup-codes/add/").content.decode()
    assert "<h1>Add MFA Backup Codes</h1>" in page
    assert '<label for="id_codes">MFA Backup Codes</label>' in page
    assert ">Save Codes</button>" in page
    response = client.post(f"/accounts/{account.uuid}/backup-codes/add/", {"codes": ""})
    assert response.status_code == 400
    assert "<h1>Add MFA Backup Codes</h1>" in response.content.decode()


def test_the_preview_counts_codes_without_saving(account: Account, alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    response = login(alice).post(
        f"/accounts/{account.uuid}/backup-codes/preview/",
        {"codes": (CORPUS / "pasted-twice.txt").read_text()},
    )
    body = response.json()
    assert body["count"] == 5
    assert body["warnings"]
    assert "no-store" in response["Cache-Control"]
    assert not BackupCode.objects.exists()


def test_the_preview_reports_a_refusal(account: Account, alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    body = (
        login(alice)
        .post(f"/accounts/{account.uuid}/backup-codes/preview/", {"codes": "abc\x00def12345"})
        .json()
    )
    assert body["count"] == 0
    assert "Line 1" in body["error"]


def test_adding_over_saved_codes_goes_to_replace(
    account_with_codes: Account, alice: Member, login
) -> None:  # type: ignore[no-untyped-def]
    response = login(alice).post(
        f"/accounts/{account_with_codes.uuid}/backup-codes/add/", {"codes": "24363546 48563968"}
    )
    assert response["Location"] == f"/accounts/{account_with_codes.uuid}/backup-codes/replace/"
    assert BackupCode.objects.filter(code_set__account=account_with_codes).count() == 6
