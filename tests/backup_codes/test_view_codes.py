from __future__ import annotations

from sparekey.accounts.models import Account
from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace.models import Member
from tests.conftest import GITHUB_CODES


def test_a_co_owner_views_every_code(account_with_codes: Account, bob: Member, login) -> None:  # type: ignore[no-untyped-def]
    response = login(bob).get(f"/accounts/{account_with_codes.uuid}/backup-codes/")
    page = response.content.decode()
    assert '<h2 id="view-codes-title">View MFA Backup Codes</h2>' in page
    for code in GITHUB_CODES.split():
        assert f"<code>{code}</code>" in page
    assert page.count("Unused</span>") == 6


def test_the_codes_page_is_never_cached(account_with_codes: Account, bob: Member, login) -> None:  # type: ignore[no-untyped-def]
    response = login(bob).get(f"/accounts/{account_with_codes.uuid}/backup-codes/")
    assert "no-store" in response["Cache-Control"]


def test_viewing_is_audited_without_the_codes(
    account_with_codes: Account, bob: Member, login
) -> None:  # type: ignore[no-untyped-def]
    login(bob).get(f"/accounts/{account_with_codes.uuid}/backup-codes/")
    event = AuditEvent.objects.get(action=Action.CODES_VIEWED)
    assert (event.actor, event.account, event.detail) == (bob, account_with_codes, {"codes": 6})


def test_the_account_page_does_not_carry_codes(
    account_with_codes: Account, bob: Member, login
) -> None:  # type: ignore[no-untyped-def]
    page = login(bob).get(f"/accounts/{account_with_codes.uuid}/").content.decode()
    for code in GITHUB_CODES.split():
        assert code not in page


def test_revealing_too_often_is_refused_with_a_clear_message(
    account_with_codes: Account,
    bob: Member,
    login,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.SPAREKEY_REVEALS_PER_HOUR = 2
    client = login(bob)
    url = f"/accounts/{account_with_codes.uuid}/backup-codes/"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "too often" in page
    assert all(code not in page for code in GITHUB_CODES.split())
    assert AuditEvent.objects.filter(action=Action.RATE_LIMITED, actor=bob).count() == 1
