"""The account's other secrets in a real Chromium: the TOTP secret Sparekey keeps, its current
code for Owners and Collaborators, the password for Owners only, and the QR code to move it.

"Storefront" is owned by Alice and Bob, with Carol as its Collaborator. The first test saves its
Secret Key through the Set as MFA dialog; the others ask for `storefront_secrets`, which saves it
(and the password) itself when they run alone.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PASSWORD, LoggedIn, Server, log_in, open_account

pytestmark = pytest.mark.e2e

KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"
URI = f"otpauth://totp/Shopify:storefront%40example.com?secret={KEY}&issuer=Shopify"
ACCOUNT_PASSWORD = "Sh0pify-storefront-pw"


def recent_codes() -> list[str]:
    """The codes of the last few seconds and the next one: the page and the test may straddle
    a code's end."""
    return sorted({pyotp.TOTP(KEY).at(time.time() + lag) for lag in (-2, 0, 2)})


def one_of_the_recent_codes() -> re.Pattern[str]:
    return re.compile("^(" + "|".join(recent_codes()) + ")$")


def set_secret_key(page: Page) -> None:
    page.get_by_role("link", name="Set as MFA").click()
    dialog = page.get_by_role("dialog", name="Set as MFA")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Secret Key").fill(URI)
    # Before saving, the dialog shows the current code to finish the app's MFA set-up.
    expect(dialog.get_by_text("Current code:")).to_be_visible()
    expect(dialog.locator(".totp-preview code")).to_have_text(one_of_the_recent_codes())
    dialog.get_by_role("button", name="Save Code").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved the Secret Key of Storefront.")


def set_password(page: Page) -> None:
    page.get_by_role("link", name="Change password and details").click()
    page.get_by_label("Password", exact=True).fill(ACCOUNT_PASSWORD)
    page.get_by_label("More details").fill("Orders inbox: shop@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the password and details")


@pytest.fixture(scope="session")
def storefront_secrets(browser: Browser, server: Server) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        log_in(page, server, "alice")
        page.goto(server.account_url("Storefront"))
        if page.get_by_role("link", name="View QR code").count() == 0:
            set_secret_key(page)
        if page.get_by_role("link", name="View Password").count() == 0:
            set_password(page)
    finally:
        context.close()


def test_alice_saves_the_secret_key_from_an_otpauth_uri_and_sees_the_code(
    logged_in: LoggedIn,
) -> None:
    page = logged_in("alice")
    open_account(page, "Storefront")
    section = page.get_by_role("region", name="Multi-factor authentication (MFA) settings")
    expect(section).to_contain_text("Unprotected")
    set_secret_key(page)
    # MFA is now on: Sparekey asks for the backup codes right away.
    expect(page.get_by_text("Save its backup codes now")).to_be_visible()
    expect(page.get_by_role("link", name="Add codes")).to_be_visible()
    expect(section).to_contain_text("Partly protected")
    expect(section).to_contain_text("On: Sparekey's authenticator")
    expect(page.locator("#totp-code")).to_have_text(one_of_the_recent_codes())
    expect(section.get_by_role("button", name="Copy")).to_be_visible()
    set_password(page)
    # The card on the dashboard tells the same.
    page.get_by_role("link", name="Accounts", exact=True).first.click()
    card = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="Storefront"))
    expect(card).to_contain_text("Partly protected")


def test_carol_the_collaborator_sees_the_code_but_never_the_password(
    logged_in: LoggedIn, server: Server, storefront_secrets: None
) -> None:
    page = logged_in("carol")
    page.clock.install()
    open_account(page, "Storefront")
    expect(page.locator("#totp-code")).to_have_text(one_of_the_recent_codes())
    expect(page.get_by_role("link", name="View Password")).to_have_count(0)
    expect(page.get_by_role("link", name="View QR code")).to_have_count(0)
    expect(page.get_by_role("link", name="Set as MFA")).to_have_count(0)
    assert ACCOUNT_PASSWORD not in page.content()
    assert "Orders inbox" not in page.content()
    assert KEY[:8] not in page.content()
    # When the code's time is up, the page fetches the next one.
    with page.expect_response(re.compile(r"/mfa/code/$")) as answer:
        page.clock.run_for(31_000)
    assert answer.value.headers["cache-control"].count("no-store") == 1
    expect(page.locator("#totp-code")).to_have_text(one_of_the_recent_codes())
    # The password's own page is the same 404 as a missing account.
    page.goto(server.account_url("Storefront") + "password/")
    assert ACCOUNT_PASSWORD not in page.content()
    expect(page.get_by_role("heading", name="Confirm your identity to continue")).to_have_count(0)


def test_bob_views_the_qr_code_and_the_password_after_confirming(
    logged_in: LoggedIn, storefront_secrets: None
) -> None:
    page = logged_in("bob")
    open_account(page, "Storefront")
    page.get_by_role("link", name="View QR code").click()
    expect(page.get_by_role("heading", name="Confirm your identity to continue")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    dialog = page.get_by_role("dialog", name="Secret Key of Storefront")
    expect(dialog).to_be_visible()
    expect(
        dialog.get_by_role("img", name="QR code of the Secret Key of Storefront")
    ).to_be_visible()
    grouped = " ".join(KEY[i : i + 4] for i in range(0, len(KEY), 4))
    expect(dialog.locator("#secret-base32")).to_have_text(grouped)
    dialog.get_by_role("link", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    # Confirmed a moment ago: View Password opens at once, with a Copy button.
    page.get_by_role("link", name="View Password").click()
    password = page.get_by_role("dialog", name="Password of Storefront")
    expect(password).to_be_visible()
    expect(password.locator("#account-password")).to_have_text(ACCOUNT_PASSWORD)
    expect(password.get_by_role("button", name="Copy")).to_be_visible()
