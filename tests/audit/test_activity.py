"""The Activity page and its CSV export: who sees which events, the filters, and escaping.

Alice and Bob own Brand X, Carol collaborates on it, Dave (a Super Admin) has no role on it but
owns Payroll. Logging in is itself an event, so every member who logs in has events of their own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client

from sparekey.accounts.models import Account, AccountRole, Grant
from sparekey.accounts.services import add_account
from sparekey.audit import chain
from sparekey.audit.export import safe_cell
from sparekey.audit.models import Action, AuditEvent
from sparekey.workspace.models import Member, Team, WorkspaceRole
from tests.conftest import make_member

Login = Callable[[Member], Client]


class ActivityTable(HTMLParser):
    """The rows of the Activity table, each as {column label: text}."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.column: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append({})
        elif tag == "td":
            self.column = dict(attrs)["data-label"]
            self.rows[-1][self.column] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.column = None

    def handle_data(self, data: str) -> None:
        if self.column:
            self.rows[-1][self.column] += data


def rows_of(response: HttpResponse) -> list[dict[str, str]]:
    assert response.status_code == 200
    table = ActivityTable()
    table.feed(response.content.decode())
    return [
        {label: " ".join(text.split()) for label, text in row.items()} for row in table.rows if row
    ]


def seen(client: Client, query: str = "") -> set[tuple[str, str, str]]:
    """(who, action, account) of every event on the first page."""
    rows = rows_of(client.get(f"/activity/{query}"))
    return {(row["Who"], row["Action"], row["Account"]) for row in rows}


def exported(client: Client, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/activity/export.csv{query}")
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()  # type: ignore[arg-type]
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def payroll(dave: Member) -> Account:
    """An account only Dave owns."""
    return add_account(dave, name="Payroll", app="Gusto")


@pytest.fixture
def brand_x_activity(account_with_codes: Account, bob: Member, carol: Member) -> Account:
    """Alice added Brand X and saved its codes; Bob viewed them; Carol was refused them."""
    chain.record(Action.CODES_VIEWED, actor=bob, account=account_with_codes, detail={"codes": 6})
    chain.record(
        Action.ACCESS_DENIED, actor=carol, account=account_with_codes, detail={"wanted": "codes"}
    )
    return account_with_codes


BRAND_X_EVENTS = {
    ("Alice alice@example.com", "Added an account", "Brand X"),
    ("Alice alice@example.com", "Saved backup codes", "Brand X"),
    ("Bob bob@example.com", "Viewed backup codes", "Brand X"),
    ("Carol carol@example.com", "Was denied access", "Brand X"),
}


def test_the_page_is_headed_activity(
    brand_x_activity: Account, alice: Member, login: Login
) -> None:
    assert "<h1>Activity</h1>" in login(alice).get("/activity/").content.decode()


@pytest.mark.parametrize("owner", ["alice", "bob"])
def test_owners_see_every_event_of_their_account(
    owner: str, brand_x_activity: Account, request: pytest.FixtureRequest, login: Login
) -> None:
    assert BRAND_X_EVENTS <= seen(login(request.getfixturevalue(owner)))


def test_an_owner_sees_neither_other_accounts_nor_other_members_own_events(
    brand_x_activity: Account, payroll: Account, alice: Member, bob: Member, login: Login
) -> None:
    login(alice)  # Alice's login: her own event, on no account
    events = seen(login(bob))
    assert not any(account == "Payroll" for _, _, account in events)
    assert not any(who.startswith("Alice") and action == "Logged in" for who, action, _ in events)
    assert not any(who.startswith("Dave") for who, _, _ in events)


def test_a_collaborator_sees_only_her_own_events(
    brand_x_activity: Account, carol: Member, login: Login
) -> None:
    events = seen(login(carol))
    assert ("Carol carol@example.com", "Was denied access", "Brand X") in events
    assert ("Carol carol@example.com", "Logged in", "—") in events
    assert {who for who, _, _ in events} == {"Carol carol@example.com"}


def test_a_super_admin_sees_every_event_without_a_role_on_the_account(
    brand_x_activity: Account, payroll: Account, dave: Member, login: Login
) -> None:
    events = seen(login(dave))
    assert BRAND_X_EVENTS <= events
    assert ("Dave dave@example.com", "Added an account", "Payroll") in events


@pytest.mark.parametrize(
    ("role", "sees_all"),
    [
        (WorkspaceRole.ADMIN, True),
        (WorkspaceRole.USER, False),
        (WorkspaceRole.LOGIN_ONLY, False),
    ],
)
def test_workspace_admins_and_above_see_the_whole_log_and_others_their_own(
    role: str, sees_all: bool, brand_x_activity: Account, login: Login
) -> None:
    erin = make_member("erin@example.com", role, "Erin")
    events = seen(login(erin))
    assert (BRAND_X_EVENTS <= events) is sees_all
    if not sees_all:
        assert {who for who, _, _ in events} == {"Erin erin@example.com"}


def test_an_owner_through_a_team_sees_the_accounts_events(
    brand_x_activity: Account, erin: Member, ops: Team, login: Login
) -> None:
    Grant.objects.create(account=brand_x_activity, team=ops, role=AccountRole.OWNER)
    assert BRAND_X_EVENTS <= seen(login(erin))


def test_a_removed_accounts_history_stays_visible_to_its_owners(
    brand_x_activity: Account, bob: Member, login: Login
) -> None:
    Account.all_objects.filter(pk=brand_x_activity.pk).update(deleted_at=datetime.now(UTC))
    assert BRAND_X_EVENTS <= seen(login(bob))


def test_details_read_as_key_value_lines(
    brand_x_activity: Account, alice: Member, login: Login
) -> None:
    rows = rows_of(login(alice).get("/activity/?action=codes_saved"))
    assert [row["Details"] for row in rows] == ["codes: 6"]


def test_the_member_filter_matches_the_email(
    brand_x_activity: Account, dave: Member, login: Login
) -> None:
    events = seen(login(dave), "?member=BOB@")
    assert events == {("Bob bob@example.com", "Viewed backup codes", "Brand X")}


def test_the_account_filter_offers_and_applies_the_visible_accounts(
    brand_x_activity: Account, payroll: Account, dave: Member, login: Login
) -> None:
    client = login(dave)
    page = client.get("/activity/").content.decode()
    assert f'<option value="{payroll.uuid}">Payroll (Gusto)</option>' in page
    events = seen(client, f"?account={payroll.uuid}")
    assert events == {("Dave dave@example.com", "Added an account", "Payroll")}


def test_an_account_the_member_may_not_see_cannot_be_chosen(
    brand_x_activity: Account, payroll: Account, bob: Member, login: Login
) -> None:
    client = login(bob)
    assert "Payroll" not in client.get("/activity/").content.decode()
    response = client.get(f"/activity/?account={payroll.uuid}")
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert "Payroll" not in page
    assert rows_of(response) == []


def test_the_action_filter(brand_x_activity: Account, alice: Member, login: Login) -> None:
    events = seen(login(alice), "?action=codes_viewed")
    assert events == {("Bob bob@example.com", "Viewed backup codes", "Brand X")}


def move(action: str, when: str) -> None:
    """Put the events of ``action`` at another time (the page does not check the chain)."""
    AuditEvent.objects.filter(action=action).update(at=datetime.fromisoformat(when))


def test_the_date_filters_include_both_whole_days(
    brand_x_activity: Account, alice: Member, login: Login
) -> None:
    client = login(alice)
    move(Action.ACCOUNT_ADDED, "2026-03-01T23:59:59+00:00")
    move(Action.CODES_SAVED, "2026-03-02T00:00:00+00:00")
    move(Action.CODES_VIEWED, "2026-03-03T23:59:59+00:00")
    move(Action.ACCESS_DENIED, "2026-03-04T00:00:00+00:00")
    events = seen(client, "?date_from=2026-03-02&date_to=2026-03-03")
    assert {action for _, action, _ in events} == {"Saved backup codes", "Viewed backup codes"}
    assert {a for _, a, _ in seen(client, "?date_to=2026-03-01")} == {"Added an account"}


def test_an_end_date_before_the_start_date_is_refused(
    brand_x_activity: Account, alice: Member, login: Login
) -> None:
    response = login(alice).get("/activity/?date_from=2026-03-05&date_to=2026-03-01")
    assert "The end date is before the start date." in response.content.decode()
    assert rows_of(response) == []


@pytest.fixture
def many_uses(brand_x_activity: Account, alice: Member) -> None:
    for n in range(120):
        chain.record(Action.CODE_USED, actor=alice, account=brand_x_activity, detail={"n": n})


def test_pages_hold_fifty_events_newest_first(many_uses: None, alice: Member, login: Login) -> None:
    client = login(alice)
    first = rows_of(client.get("/activity/?action=code_used"))
    assert len(first) == 50
    assert [row["Details"] for row in first[:2]] == ["n: 119", "n: 118"]
    last = rows_of(client.get("/activity/?action=code_used&page=3"))
    assert [row["Details"] for row in last] == [f"n: {n}" for n in range(19, -1, -1)]


def test_page_links_keep_the_filters(many_uses: None, alice: Member, login: Login) -> None:
    page = login(alice).get("/activity/?action=code_used&page=2").content.decode()
    assert 'href="?action=code_used&amp;page=1" rel="prev"' in page
    assert 'href="?action=code_used&amp;page=3" rel="next"' in page
    assert "Page 2 of 3" in page
    assert 'href="/activity/export.csv?action=code_used"' in page


def test_a_page_number_out_of_range_shows_the_last_page(
    many_uses: None, alice: Member, login: Login
) -> None:
    page = login(alice).get("/activity/?action=code_used&page=99").content.decode()
    assert "Page 3 of 3" in page


def test_the_export_is_a_streamed_csv_attachment(
    brand_x_activity: Account, alice: Member, login: Login
) -> None:
    response = login(alice).get("/activity/export.csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="sparekey-activity-')


def test_the_export_holds_the_filtered_events_with_every_column(
    brand_x_activity: Account, alice: Member, login: Login
) -> None:
    rows = exported(login(alice), "?action=codes_saved")
    event = AuditEvent.objects.get(action=Action.CODES_SAVED)
    assert rows == [
        {
            "Event": str(event.seq),
            "When": event.at.isoformat(timespec="seconds"),
            "Who": "Alice",
            "Email": "alice@example.com",
            "Action": "Saved backup codes",
            "Account": "Brand X",
            "Address": "",
            "Details": "codes: 6",
        }
    ]


@pytest.mark.parametrize(
    ("member", "sees"),
    [
        ("carol", {"Was denied access", "Logged in", "Confirmed their identity"}),
        ("dave", {"Saved backup codes", "Added an account", "Viewed backup codes"}),
    ],
)
def test_the_export_shows_what_the_page_shows(
    member: str,
    sees: set[str],
    brand_x_activity: Account,
    payroll: Account,
    request: pytest.FixtureRequest,
    login: Login,
) -> None:
    person = request.getfixturevalue(member)
    client = login(person)
    rows = exported(client)
    assert sees <= {row["Action"] for row in rows}
    assert {row["Event"] for row in rows} == seqs_on_page(client)
    if member == "carol":
        assert {row["Email"] for row in rows} == {"carol@example.com"}


def seqs_on_page(client: Client) -> set[str]:
    context: Any = client.get("/activity/").context
    return {str(event.seq) for event in context["page"]}


@pytest.mark.parametrize(
    "query", ["?date_from=yesterday", "?date_to=9999-12-31", "?date_from=0001-01-01"]
)
def test_dates_it_cannot_use_are_refused_not_a_crash(
    query: str, brand_x_activity: Account, alice: Member, login: Login
) -> None:
    client = login(alice)
    response = client.get(f"/activity/{query}")
    assert 'class="errors"' in response.content.decode()
    assert rows_of(response) == []
    assert client.get(f"/activity/export.csv{query}").status_code == 400


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+Mallory", "'+Mallory"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Brand X", "Brand X"),
        ("a=b", "a=b"),
        (42, "42"),
        (None, ""),
    ],
)
def test_a_cell_that_starts_like_a_formula_is_made_text(value: Any, cell: str) -> None:
    assert safe_cell(value) == cell


def test_names_that_start_like_formulas_are_exported_as_text(dave: Member, login: Login) -> None:
    mallory = make_member("mallory@example.com", WorkspaceRole.USER, "+Mallory")
    evil = add_account(mallory, name='=HYPERLINK("http://evil")', app="Evil")
    rows = exported(login(dave), f"?account={evil.uuid}")
    assert [(row["Who"], row["Account"]) for row in rows] == [
        ("'+Mallory", '\'=HYPERLINK("http://evil")')
    ]


def test_a_line_break_in_a_name_stays_inside_its_cell(dave: Member, login: Login) -> None:
    account = add_account(dave, name="Line one\r\nLine two", app="X")
    chain.record(Action.CODES_VIEWED, actor=dave, account=account, detail={"note": "a\nb"})
    rows = exported(login(dave), f"?account={account.uuid}")
    assert [row["Account"] for row in rows] == ["Line one\r\nLine two"] * 2
    assert rows[0]["Details"] == "note: a\nb"


def test_names_are_escaped_on_the_page(dave: Member, login: Login) -> None:
    add_account(dave, name="<script>alert(1)</script>", app="X")
    page = login(dave).get("/activity/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page


@pytest.mark.parametrize("path", ["/activity/", "/activity/export.csv"])
def test_it_answers_get_only(path: str, alice: Member, login: Login) -> None:
    assert login(alice).post(path).status_code == 405


@pytest.mark.parametrize("path", ["/activity/", "/activity/export.csv"])
def test_it_needs_a_login(path: str, db: None) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
