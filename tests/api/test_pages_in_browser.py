"""The API's two pages in a real Chromium: the docs under the site's CSP, and API tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, expect, sync_playwright

from tests.api.live import PASSWORD, LiveSparekey, call
from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, migrated_data_dir: Path
) -> Iterator[LiveSparekey]:
    live = LiveSparekey(tmp_path_factory.mktemp("pages"), migrated_data_dir)
    try:
        live.add_member("alice@example.com", "owner")
        live.run("addaccount", "Brand X", "--app", "X", "--owner", "alice@example.com")
        live.base = live.serve()  # type: ignore[attr-defined]
        yield live
    finally:
        live.close()


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:  # noqa: F811
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def watch(page: Page) -> list[str]:
    """Collect what the browser blocked or failed on: CSP violations, errors, failed loads."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # A failed load is reported by on_response, with its URL.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    def on_response(response: Response) -> None:
        # Browsers ask for /favicon.ico on their own; the site has none.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    return problems


def test_the_docs_page_runs_swagger_ui_under_the_csp(
    server: LiveSparekey, browser: Browser, tmp_path: Path
) -> None:
    page = browser.new_page()
    problems = watch(page)
    page.goto(f"{server.base}/api/docs")  # type: ignore[attr-defined]
    expect(page.get_by_text("Sparekey API").first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("/api/v1/accounts/{id}/backup-codes/claim")).to_be_visible()
    page.screenshot(path=tmp_path / "docs.png", full_page=True)
    assert problems == []


def test_a_member_creates_a_token_at_360_px_and_it_works(
    server: LiveSparekey, browser: Browser, tmp_path: Path
) -> None:
    base = server.base  # type: ignore[attr-defined]
    page = browser.new_page(viewport={"width": 360, "height": 800})
    problems = watch(page)
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="Confirm your identity to continue")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    page.get_by_label("Name").fill("runbook")
    page.get_by_label("use: Claim the next backup code").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("status")).to_contain_text("shown only this once")
    token = page.locator("#new-token").inner_text()
    page.screenshot(path=tmp_path / "tokens.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "the page scrolls sideways at 360 px"
    status, page_of_accounts = call(base, "GET", "/accounts", token)
    assert status == 403, page_of_accounts  # scope use only: listing needs read
    page.get_by_role("button", name="Revoke runbook").click()
    expect(page.get_by_role("status")).to_contain_text("It no longer works")
    assert call(base, "GET", "/accounts", token)[0] == 401
    assert problems == []
