from __future__ import annotations

import re

from sparekey.accounts.models import Account
from sparekey.workspace.models import Member


def card_links(page: str) -> list[str]:
    return re.findall(r'<a class="card-link" href="[^"]+">([^<]+)</a>', page)


def test_owners_and_collaborators_see_the_card(account: Account, alice, bob, carol, login) -> None:  # type: ignore[no-untyped-def]
    for member in (alice, bob, carol):
        page = login(member).get("/").content.decode()
        assert card_links(page) == ["Brand X"]


def test_an_outsider_sees_no_card_whatever_their_workspace_role(
    account: Account,
    dave: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    page = login(dave).get("/").content.decode()
    assert card_links(page) == []
    assert "Brand X" not in page
    assert "No account is shared with you yet" in page


def test_a_card_shows_app_mfa_and_the_unused_count(
    account_with_codes: Account,
    alice: Member,
    login,  # type: ignore[no-untyped-def]
) -> None:
    page = login(alice).get("/").content.decode()
    assert "X</p>" in page
    assert "6 of 6 unused" in page
    assert "<dt>MFA</dt><dd>Off</dd>" in page


def test_a_card_says_when_no_codes_are_saved(account: Account, alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    assert "Not saved" in login(alice).get("/").content.decode()


def test_the_card_links_to_the_account_page(account: Account, alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    page = login(alice).get("/").content.decode()
    assert f'href="/accounts/{account.uuid}/"' in page


def test_a_removed_account_leaves_the_dashboard(account: Account, alice: Member, login) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    account.deleted_at = timezone.now()
    account.save()
    assert card_links(login(alice).get("/").content.decode()) == []
