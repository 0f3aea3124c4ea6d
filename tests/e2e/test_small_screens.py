"""Every page works 360 px wide: nothing makes the page scroll sideways."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    PASSWORD,
    LoggedIn,
    Server,
    google_paste,
    log_in,
    open_account,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}


def assert_fits(page: Page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} is {width} px wide at {PHONE['width']} px"


def test_the_login_page_fits_a_small_screen(browser: Browser, server: Server) -> None:
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(server.url("/login/"))
        expect(page.get_by_role("button", name="Log in")).to_be_visible()
        assert_fits(page, "the login page")
        log_in(page, server, "alice")
        assert_fits(page, "the dashboard")
    finally:
        context.close()


def test_the_dashboard_account_page_and_add_dialog_fit_a_small_screen(
    logged_in: LoggedIn, tmp_path: Path
) -> None:
    page = logged_in("alice", viewport=PHONE)
    expect(page.get_by_role("link", name="Mail relay", exact=True)).to_be_visible()
    assert_fits(page, "the dashboard")

    open_account(page, "Mail relay")
    assert_fits(page, "the account page")
    page.get_by_role("tab", name="Users").click()
    expect(page.get_by_role("tabpanel", name="Users")).to_be_visible()
    assert_fits(page, "the Users tab")
    page.get_by_role("tab", name="Settings").click()
    page.get_by_text("Emergency controls", exact=True).click()
    expect(page.get_by_role("link", name="Add codes")).to_be_visible()
    assert_fits(page, "the open Emergency controls")

    page.get_by_role("link", name="Add codes").click()
    dialog = page.get_by_role("dialog", name="Add MFA Backup Codes")
    expect(dialog).to_be_visible()
    assert_fits(page, "the empty Add dialog")
    dialog.get_by_label("MFA Backup Codes").fill(google_paste())
    expect(dialog.get_by_text("Found 10 codes.")).to_be_visible()
    expect(dialog.get_by_role("list")).to_be_visible()
    assert_fits(page, "the Add dialog with its preview")
    box = dialog.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box

    save = dialog.get_by_role("button", name="Save Codes")
    save.scroll_into_view_if_needed()
    expect(save).to_be_in_viewport()

    shot = tmp_path / "add-dialog-360.png"
    page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")


def test_the_codes_and_the_confirmation_fit_a_small_screen(
    logged_in: LoggedIn, server: Server, brand_x_with_codes: list[str], tmp_path: Path
) -> None:
    page = logged_in("alice", viewport=PHONE)
    page.goto(server.codes_url("Brand X"))
    expect(page.get_by_role("heading", name="Confirm your identity to continue")).to_be_visible()
    assert_fits(page, "the confirmation page")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    dialog = page.get_by_role("dialog", name="View MFA Backup Codes")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("listitem")).to_have_count(len(brand_x_with_codes))
    assert_fits(page, "the View MFA Backup Codes dialog")
    shot = tmp_path / "view-codes-360.png"
    page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")
