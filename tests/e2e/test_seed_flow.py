"""The seed's flow and the people around it, in a real Chromium against a real server.

The first test saves Brand X's codes as Alice; the tests that need them ask for the
`brand_x_with_codes` fixture, which saves them itself when they run without it. Every test passes
alone and in the file's order; the seed-flow test must come before any user of that fixture (it
needs Brand X without codes), which pytest's default order guarantees.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    GOOGLE_CODES,
    PASSWORD,
    LoggedIn,
    Server,
    google_paste,
    open_account,
    run_seed_flow,
)

pytestmark = pytest.mark.e2e

MADE_UP_UUID = "7d3f0c2e-4b1a-4c8e-9f6d-2a5b8e1c0d9f"
BIDI_PASTE = "f0b26-536b5\na0b2b-5c0e\u202ec"

# POST a paste to a preview URL as the page's own script would; resolves to the HTTP status.
PREVIEW_STATUS = """async (url) => {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const body = new FormData();
  body.append("codes", "f0b26-536b5");
  const response = await fetch(url, {method: "POST", body, headers: {"X-CSRFToken": token}});
  return response.status;
}"""


def exactly(url: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(url) + "$")


def test_alice_saves_codes_through_the_seed_flow(logged_in: LoggedIn) -> None:
    page = logged_in("alice")
    expect(page.get_by_role("link", name="Brand X", exact=True)).to_be_visible()
    run_seed_flow(page, "Brand X", google_paste(), len(GOOGLE_CODES))
    # The dashboard's card tells the same.
    page.get_by_role("link", name="Accounts", exact=True).first.click()
    card = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="Brand X"))
    expect(card).to_contain_text("10 of 10 unused")


def test_bob_views_the_codes_after_confirming(
    logged_in: LoggedIn, server: Server, brand_x_with_codes: list[str]
) -> None:
    page = logged_in("bob")
    open_account(page, "Brand X")
    controls = page.locator("details", has=page.get_by_text("Emergency controls", exact=True))
    if controls.get_attribute("open") is None:
        page.get_by_text("Emergency controls", exact=True).click()
    page.get_by_role("link", name="View Codes").click()

    # Logging in alone does not count as confirming.
    expect(page.get_by_role("heading", name="Confirm your identity to continue")).to_be_visible()
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("That password is not right.")
    expect(page.get_by_role("heading", name="Confirm your identity to continue")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    for code in brand_x_with_codes:
        expect(page.get_by_text(code)).to_have_count(0)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(exactly(server.codes_url("Brand X")))
    dialog = page.get_by_role("dialog", name="View MFA Backup Codes")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("10 of 10 unused")
    expect(dialog.get_by_role("listitem")).to_have_text(
        [re.compile(rf"^\s*{re.escape(code)}\s+Unused(\s|$)") for code in brand_x_with_codes]
    )

    dialog.get_by_role("link", name="Close").click()
    expect(page).to_have_url(exactly(server.account_url("Brand X")))
    expect(page.get_by_role("heading", name="Brand X", level=1)).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    for code in brand_x_with_codes:
        expect(page.get_by_text(code)).to_have_count(0)


def test_carol_the_collaborator_sees_no_emergency_controls(
    logged_in: LoggedIn, server: Server
) -> None:
    page = logged_in("carol")
    expect(page.get_by_role("link", name="Brand X", exact=True)).to_be_visible()
    open_account(page, "Brand X")
    expect(page.get_by_role("tab", name="Settings")).to_have_attribute("aria-selected", "true")
    settings = page.get_by_role("tabpanel", name="Settings")
    expect(settings.get_by_text("Collaborator", exact=True)).to_be_visible()
    expect(page.get_by_text("Emergency controls")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Add codes|View Codes"))).to_have_count(0)
    expect(page.locator("dialog")).to_have_count(0)

    # The live preview, posted with Carol's own CSRF token, answers 404 as well.
    page.goto(server.account_url("Brand X"))
    status = page.evaluate(PREVIEW_STATUS, server.codes_url("Brand X") + "preview/")
    assert status == 404

    for url in (server.codes_url("Brand X"), server.codes_url("Brand X") + "add/"):
        response = page.goto(url)
        assert response is not None and response.status == 404, url
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()


def test_dave_sees_nothing(logged_in: LoggedIn, server: Server) -> None:
    page = logged_in("dave")
    expect(page.get_by_text("No account is shared with you yet.")).to_be_visible()
    expect(page.get_by_role("link", name="Brand X")).to_have_count(0)

    def answer(url: str) -> tuple[int, str]:
        response = page.goto(url)
        assert response is not None
        return response.status, page.locator("main").inner_text()

    made_up = answer(server.url(f"/accounts/{MADE_UP_UUID}/"))
    assert made_up[0] == 404
    for url in (
        server.account_url("Brand X"),
        server.codes_url("Brand X"),
        server.codes_url("Brand X") + "add/",
    ):
        assert answer(url) == made_up, url
    assert answer(server.url(f"/accounts/{MADE_UP_UUID}/backup-codes/")) == made_up


def test_a_refused_paste_keeps_the_text_in_the_dialog(logged_in: LoggedIn, server: Server) -> None:
    page = logged_in("alice")
    open_account(page, "Registrar")
    page.get_by_text("Emergency controls", exact=True).click()
    page.get_by_role("link", name="Add codes").click()
    dialog = page.get_by_role("dialog", name="Add MFA Backup Codes")
    field = dialog.get_by_label("MFA Backup Codes")
    field.fill(BIDI_PASTE)
    expect(dialog.locator("#codes-found")).to_contain_text("Line 2")
    expect(dialog.locator("#codes-found")).to_contain_text("U+202E")
    expect(dialog.get_by_role("list")).to_be_hidden()

    dialog.get_by_role("button", name="Save Codes").click()
    # The server answers with the account page and the dialog open again (the alert is new).
    expect(dialog.get_by_role("alert")).to_contain_text("Line 2")
    expect(dialog.get_by_role("alert")).to_contain_text("text-direction")
    expect(dialog).to_be_visible()
    expect(field).to_have_value(BIDI_PASTE)
    expect(field).to_be_focused()
    expect(dialog.locator("#codes-found")).to_contain_text("Line 2")
    expect(page.get_by_role("status")).to_have_count(0)

    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("link", name="Add codes")).to_be_visible()
    expect(page.get_by_role("link", name="View Codes")).to_have_count(0)
    page.goto(server.account_url("Registrar"))
    page.get_by_text("Emergency controls", exact=True).click()
    expect(page.get_by_role("link", name="Add codes")).to_be_visible()
    expect(page.get_by_role("link", name="View Codes")).to_have_count(0)


def test_without_javascript_the_flow_still_works(logged_in: LoggedIn, server: Server) -> None:
    page = logged_in("alice", java_script_enabled=False)
    open_account(page, "Cloud root")
    page.get_by_text("Emergency controls", exact=True).click()
    page.get_by_role("link", name="Add codes").click()
    expect(page).to_have_url(exactly(server.account_url("Cloud root") + "backup-codes/add/"))
    expect(page.get_by_role("heading", name="Add MFA Backup Codes", level=1)).to_be_visible()
    page.get_by_label("MFA Backup Codes").fill(google_paste())
    page.get_by_role("button", name="Save Codes").click()
    expect(page).to_have_url(exactly(server.account_url("Cloud root")))
    expect(page.get_by_role("status")).to_have_text("Saved 10 backup codes for Cloud root.")
    expect(page.get_by_text("10 of 10 unused")).to_be_visible()

    # Viewing them works too: the dialog is rendered open, its Close is a plain link-like form.
    page.get_by_role("link", name="View Codes").click()
    expect(page.get_by_role("heading", name="Confirm your identity to continue")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    dialog = page.get_by_role("dialog", name="View MFA Backup Codes")
    expect(dialog.get_by_role("listitem")).to_have_count(len(GOOGLE_CODES))
    expect(dialog.get_by_role("listitem").first).to_contain_text(GOOGLE_CODES[0])
    dialog.get_by_role("link", name="Close").click()
    expect(page).to_have_url(server.account_url("Cloud root"))
    expect(page.get_by_role("dialog")).to_have_count(0)


def focus_by_tabbing(page: Page, target: str, limit: int = 25) -> None:
    """Press Tab until the element matching the CSS selector `target` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", target):
            return
    pytest.fail(f"{target} was not reached in {limit} presses of Tab")


def test_keyboard_only(logged_in: LoggedIn, server: Server) -> None:
    page = logged_in("alice")
    page.goto(server.account_url("Mail relay"))
    settings = page.get_by_role("tab", name="Settings")
    users = page.get_by_role("tab", name="Users")

    focus_by_tabbing(page, '[role="tab"]')
    expect(settings).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(users).to_be_focused()
    expect(users).to_have_attribute("aria-selected", "true")
    expect(settings).to_have_attribute("aria-selected", "false")
    expect(page.get_by_role("tabpanel", name="Users")).to_be_visible()
    expect(page.get_by_role("table", name="People with access to Mail relay")).to_be_visible()
    expect(page.get_by_role("tabpanel", name="Settings")).to_be_hidden()

    page.keyboard.press("ArrowLeft")
    expect(settings).to_be_focused()
    expect(settings).to_have_attribute("aria-selected", "true")
    focus_by_tabbing(page, "details#emergency-controls > summary")
    page.keyboard.press("Enter")
    expect(page.locator("details#emergency-controls")).to_have_attribute("open", "")
    add = page.get_by_role("link", name="Add codes")
    expect(add).to_be_visible()

    focus_by_tabbing(page, "[data-opens]")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Add MFA Backup Codes")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("MFA Backup Codes")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
