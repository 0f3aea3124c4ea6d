from __future__ import annotations

from django.core import mail

from sparekey.accounts.models import Account
from sparekey.audit.models import Action, AuditEvent
from sparekey.backup_codes.models import BackupCode
from sparekey.workspace.models import Member
from tests.conftest import GITHUB_CODES

CODES = GITHUB_CODES.split()


def claim_url(account: Account) -> str:
    return f"/accounts/{account.uuid}/backup-codes/next/"


def test_it_hands_out_the_next_code_and_marks_it_used(
    account_with_codes: Account,
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    response = login(alice).post(claim_url(account_with_codes))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<code id="claimed-code">{CODES[0]}</code>' in page
    assert "5 of 6 unused" in page
    assert "no-store" in response["Cache-Control"]
    first = BackupCode.objects.get(code_set__account=account_with_codes, position=1)
    assert first.used_by == alice and first.used_at is not None


def test_two_owners_get_different_codes_one_after_the_other(
    account_with_codes: Account,
    alice: Member,
    bob: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    first = login(alice).post(claim_url(account_with_codes)).content.decode()
    second = login(bob).post(claim_url(account_with_codes)).content.decode()
    assert CODES[0] in first and CODES[1] not in first
    assert CODES[1] in second and CODES[0] not in second


def test_a_used_code_shows_who_used_it(
    account_with_codes: Account,
    alice: Member,
    bob: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    login(alice).post(claim_url(account_with_codes))
    page = login(bob).get(f"/accounts/{account_with_codes.uuid}/backup-codes/").content.decode()
    assert "by Alice</span>" in page
    assert page.count("Unused</span>") == 5


def test_when_none_is_left_it_says_so(
    account_with_codes: Account,
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    BackupCode.objects.update(used_at="2026-01-01T00:00:00Z")
    response = login(alice).post(claim_url(account_with_codes), follow=True)
    assert "No unused backup codes are left for Brand X." in response.content.decode()


def test_the_get_page_explains_and_claims_nothing(
    account_with_codes: Account,
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    page = login(alice).get(claim_url(account_with_codes)).content.decode()
    assert "marks it used by you" in page
    assert not BackupCode.objects.filter(used_at__isnull=False).exists()


def test_it_asks_for_confirmation_first(
    account_with_codes: Account,
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    response = login(alice, confirmed=False).post(claim_url(account_with_codes))
    assert response.status_code == 302
    assert response["Location"].startswith("/confirm/")
    assert not BackupCode.objects.filter(used_at__isnull=False).exists()


def test_a_claim_is_audited_without_the_code(
    account_with_codes: Account,
    bob: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    login(bob).post(claim_url(account_with_codes))
    event = AuditEvent.objects.get(action=Action.CODE_USED)
    assert (event.actor, event.account, event.detail) == (
        bob,
        account_with_codes,
        {"position": 1, "unused": 5},
    )


def test_every_owner_is_told_without_the_code(
    account_with_codes: Account,
    bob: Member,
    login,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    client = login(bob)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(claim_url(account_with_codes))
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["alice@example.com", "bob@example.com"]
    for message in mail.outbox:
        assert "Bob used backup code #1 of Brand X" in message.body
        assert all(code not in message.body + message.subject for code in CODES)


def test_owners_are_warned_when_codes_run_low(
    account_with_codes: Account,
    alice: Member,
    login,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    client = login(alice)
    for _ in range(3):
        client.post(claim_url(account_with_codes))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(claim_url(account_with_codes)).content.decode()
    assert "Only 2 backup codes left." in page
    subjects = [message.subject for message in mail.outbox]
    assert "[Sparekey] Backup codes of Brand X are running out" in subjects
    assert AuditEvent.objects.filter(action=Action.CODES_LOW).count() == 1
    dashboard = client.get("/").content.decode()
    assert "Backup codes are running out for:" in dashboard
    account_page = client.get(f"/accounts/{account_with_codes.uuid}/").content.decode()
    assert "Generate new backup codes in X" in account_page


def test_a_collaborator_cannot_claim(
    account_with_codes: Account,
    carol: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    assert login(carol).post(claim_url(account_with_codes)).status_code == 404
    assert not BackupCode.objects.filter(used_at__isnull=False).exists()
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=carol).exists()


def test_claiming_too_often_is_refused_and_claims_nothing(
    account_with_codes: Account,
    alice: Member,
    login,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.SPAREKEY_REVEALS_PER_HOUR = 1
    client = login(alice)
    assert client.post(claim_url(account_with_codes)).status_code == 200
    response = client.post(claim_url(account_with_codes))
    assert response.status_code == 429
    assert CODES[1] not in response.content.decode()
    assert BackupCode.objects.filter(used_at__isnull=False).count() == 1


def test_an_owner_through_a_team_is_told_too(
    account_with_codes: Account,
    alice: Member,
    login,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    from sparekey.accounts.models import AccountRole, Grant
    from sparekey.workspace.models import Team, TeamMembership
    from tests.conftest import make_member

    erin = make_member("erin@example.com")
    ops = Team.objects.create(name="Ops")
    TeamMembership.objects.create(team=ops, member=erin)
    Grant.objects.create(account=account_with_codes, team=ops, role=AccountRole.OWNER)
    client = login(alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(claim_url(account_with_codes))
    assert "erin@example.com" in [message.to[0] for message in mail.outbox]
