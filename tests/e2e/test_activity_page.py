"""The Activity page in a real Chromium: 360 px wide, and usable with the keyboard alone.

The server and its people come from tests/e2e/conftest.py (Dave is a Super Admin: he sees the
whole log, which the seeding commands and the logins have already filled).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LoggedIn, Server

pytestmark = pytest.mark.e2e


def page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def focused(page: Page) -> str:
    """The focused element, as its id or else its text."""
    return str(page.evaluate("document.activeElement.id || document.activeElement.textContent"))


def tab_to(page: Page, wanted: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page).strip() == wanted:
            return
    pytest.fail(f"{wanted!r} was not reached with the Tab key")


@pytest.mark.parametrize("width", [360, 800])
def test_the_activity_page_never_scrolls_sideways(
    width: int, logged_in: LoggedIn, server: Server
) -> None:
    page = logged_in("dave", viewport={"width": width, "height": 740})
    page.get_by_role("link", name="Activity").click()
    expect(page.get_by_role("heading", name="Activity", level=1)).to_be_visible()
    expect(page.get_by_role("cell", name="Added an account").first).to_be_visible()
    assert page_width(page) <= width, f"the Activity page is {page_width(page)} px wide"


def test_the_filters_work_with_the_keyboard_alone(logged_in: LoggedIn, server: Server) -> None:
    page = logged_in("dave", viewport={"width": 360, "height": 740})
    page.goto(server.url("/activity/"))
    tab_to(page, "id_member")
    page.keyboard.type("dave@")
    page.keyboard.press("Enter")
    expect(page).to_have_url(
        server.url("/activity/?member=dave%40&account=&action=&date_from=&date_to=")
    )
    expect(page.get_by_role("cell", name="Logged in").first).to_be_visible()
    expect(page.get_by_role("cell", name="Added an account")).to_have_count(0)
    tab_to(page, "Export CSV")
    tab_to(page, "activity-table")  # its own scrolling region, focusable so keys scroll it
    expect(page.get_by_role("region", name="Activity")).to_be_focused()
