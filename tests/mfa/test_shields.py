"""The shield of a card and of the account page: protected, partly, unprotected."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sparekey.accounts.models import Account
from sparekey.accounts.services import add_account
from sparekey.mfa import services
from sparekey.mfa.sections import Shield, shield_for
from sparekey.workspace.models import Member

Login = Callable[..., Client]


@pytest.mark.parametrize(
    ("enabled", "unused", "no_codes", "note", "expected"),
    [
        (False, 10, False, False, Shield.UNPROTECTED),
        (False, 0, True, True, Shield.UNPROTECTED),
        (True, 10, False, False, Shield.PROTECTED),
        (True, 0, False, False, Shield.PARTLY),
        (True, 0, True, True, Shield.PROTECTED),
        (True, 0, True, False, Shield.PARTLY),
    ],
)
def test_the_shield(
    enabled: bool, unused: int, no_codes: bool, note: bool, expected: Shield
) -> None:
    shield = shield_for(
        mfa_enabled=enabled, codes_unused=unused, no_backup_codes=no_codes, has_recovery_note=note
    )
    assert shield.shield == expected


def card_of(page: str, name: str) -> str:
    return re.search(
        rf'<li class="card">(?:(?!</li>).)*>{name}</a>(?:(?!</li>).)*</li>', page, re.S
    )[0]  # type: ignore[index]


def test_the_cards_show_each_shield_as_text(
    account_with_codes: Account, alice: Member, login: Login
) -> None:
    services.save_mfa_settings(
        alice,
        account_with_codes,
        enabled=True,
        method="phone",
        no_backup_codes=False,
        recovery_note="",
    )
    partly = add_account(alice, name="Registrar", app="Gandi")
    services.save_mfa_settings(
        alice, partly, enabled=True, method="email", no_backup_codes=False, recovery_note=""
    )
    add_account(alice, name="Social", app="Instagram")
    aws = add_account(alice, name="Cloud root", app="AWS")
    services.save_mfa_settings(
        alice, aws, enabled=True, method="other", no_backup_codes=True, recovery_note="Call AWS"
    )
    page = login(alice).get("/").content.decode()
    assert "Protected" in card_of(page, "Brand X")
    assert "Partly protected" in card_of(page, "Registrar")
    assert "Unprotected" in card_of(page, "Social")
    cloud = card_of(page, "Cloud root")
    assert "shield-protected" in cloud
    assert "Not saved" not in cloud and "None in AWS" in cloud
    assert "Call AWS" not in page


def test_the_dashboard_does_not_query_per_card(alice: Member, login: Login) -> None:
    client = login(alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    add_account(alice, name="One", app="A")
    one = count()
    for n in range(5):
        account = add_account(alice, name=f"More {n}", app="A")
        services.save_mfa_settings(
            alice, account, enabled=True, method="other", no_backup_codes=True, recovery_note="x"
        )
    assert count() == one


def test_the_account_page_shows_the_code_with_a_refresh_link_and_copy(
    account_with_totp: Account, carol: Member, login: Login
) -> None:
    page = login(carol).get(f"/accounts/{account_with_totp.uuid}/").content.decode()
    assert "Multi-factor authentication (MFA) settings" in page
    assert 'data-copy="totp-code"' in page
    assert ">Refresh</a>" in page
    assert f'data-code-url="/accounts/{account_with_totp.uuid}/mfa/code/"' in page
    assert "sparekey/mfa" in page and ".js" in page
    assert "Partly protected" in page  # MFA on by the authenticator, no backup codes yet
