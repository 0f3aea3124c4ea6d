from __future__ import annotations

import re

from sparekey.accounts.models import Account
from sparekey.workspace.models import Member
from tests.conftest import without_csrf


def test_the_settings_tab_is_active(account: Account, alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    page = login(alice).get(f"/accounts/{account.uuid}/").content.decode()
    assert re.search(r'id="tab-settings"[^>]*aria-selected="true"', page)
    assert re.search(r'id="tab-users"[^>]*aria-selected="false"', page)
    assert 'aria-selected="false"' in page
    assert 'id="panel-users" aria-labelledby="tab-users" hidden' in page


def test_the_users_tab_lists_owners_and_collaborators(
    account: Account, carol: Member, login
) -> None:  # type: ignore[no-untyped-def]
    page = login(carol).get(f"/accounts/{account.uuid}/?tab=users").content.decode()
    for row in (
        "<td>Alice</td><td>alice@example.com</td><td>Owner</td>",
        "<td>Bob</td><td>bob@example.com</td><td>Owner</td>",
        "<td>Carol</td><td>carol@example.com</td><td>Collaborator</td>",
    ):
        assert row in page
    assert "dave@example.com" not in page


def test_an_owner_sees_emergency_controls_with_add_codes(
    account: Account, bob: Member, login
) -> None:  # type: ignore[no-untyped-def]
    page = login(bob).get(f"/accounts/{account.uuid}/").content.decode()
    assert "<summary>Emergency controls</summary>" in page
    assert ">Add codes</a>" in page
    assert '<h2 id="add-codes-title">Add MFA Backup Codes</h2>' in page
    assert "View Codes" not in page


def test_add_codes_becomes_view_codes_once_saved(
    account_with_codes: Account, bob: Member, login
) -> None:  # type: ignore[no-untyped-def]
    page = login(bob).get(f"/accounts/{account_with_codes.uuid}/").content.decode()
    assert ">View Codes</a>" in page
    assert ">Add codes</a>" not in page
    assert "6 of 6 unused" in page


def test_a_collaborator_sees_no_emergency_controls(
    account_with_codes: Account, carol: Member, login
) -> None:  # type: ignore[no-untyped-def]
    page = login(carol).get(f"/accounts/{account_with_codes.uuid}/").content.decode()
    assert "Emergency controls" not in page
    assert "backup-codes" not in page
    assert "Collaborator" in page


def test_an_outsider_and_a_missing_account_get_the_same_404(
    account: Account, dave: Member, login
) -> None:  # type: ignore[no-untyped-def]
    client = login(dave)
    hidden = client.get(f"/accounts/{account.uuid}/")
    missing = client.get("/accounts/00000000-0000-4000-8000-000000000000/")
    assert hidden.status_code == missing.status_code == 404
    assert without_csrf(hidden.content) == without_csrf(missing.content)


def test_the_page_sends_a_strict_content_security_policy(
    account: Account, alice: Member, login
) -> None:  # type: ignore[no-untyped-def]
    response = login(alice).get(f"/accounts/{account.uuid}/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
