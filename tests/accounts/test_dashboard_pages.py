"""The dashboard of a member with many accounts: pages of cards, and a search over all of them."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.test import Client

from sparekey.accounts.models import Account, AccountRole, Grant
from sparekey.accounts.services import add_account
from sparekey.accounts.views import ACCOUNTS_PER_PAGE, RUNNING_LOW_NAMED
from sparekey.backup_codes.services import save_codes
from sparekey.workspace.models import Member

HELD = ACCOUNTS_PER_PAGE * 2 + 7


def cards(page: bytes) -> list[str]:
    return re.findall(r'class="card-link" href="[^"]+">([^<]+)</a>', page.decode())


def hold_many(alice: Member) -> list[Account]:
    add_account(alice, name="Account 000", app="App")
    more = [Account(name=f"Account {n:03}", app="App") for n in range(1, HELD)]
    for account in more:
        account.seal_new_data_key()
    Account.objects.bulk_create(more)
    accounts = list(Account.objects.order_by("name"))
    Grant.objects.bulk_create(
        Grant(account=a, member=alice, role=AccountRole.OWNER) for a in accounts[1:]
    )
    return accounts


def test_the_cards_come_a_page_at_a_time_and_every_account_is_on_one_page(
    alice: Member, login: Callable[[Member], Client]
) -> None:
    hold_many(alice)
    client = login(alice)
    seen = []
    for number in (1, 2, 3):
        response = client.get("/", {"page": number})
        assert response.status_code == 200
        seen += cards(response.content)
        assert f"Page {number} of 3".encode() in response.content
    assert seen == [f"Account {n:03}" for n in range(HELD)]
    assert len(cards(client.get("/").content)) == ACCOUNTS_PER_PAGE


def test_the_search_finds_an_account_on_any_page_and_keeps_its_query_across_pages(
    alice: Member, login: Callable[[Member], Client]
) -> None:
    hold_many(alice)
    client = login(alice)
    assert cards(client.get("/", {"q": "account 10"}).content) == [
        f"Account {n:03}" for n in range(100, HELD)
    ]
    response = client.get("/", {"q": "Account 0"})  # 000-099: two pages
    assert len(cards(response.content)) == ACCOUNTS_PER_PAGE
    assert b'href="?q=Account+0&amp;page=2"' in response.content
    empty = client.get("/", {"q": "no such thing"})
    assert cards(empty.content) == []
    assert "No account of yours matches “no such thing”." in empty.content.decode()


def test_the_running_out_warning_names_a_few_accounts_and_says_there_are_more(
    alice: Member, login: Callable[[Member], Client]
) -> None:
    accounts = hold_many(alice)
    for account in accounts[: RUNNING_LOW_NAMED + 2]:
        save_codes(alice, account, "11111-11111\n")
    page = login(alice).get("/").content.decode()
    warning = page.split('<div class="warning" role="note">')[1].split("</div>")[0]
    assert warning.count("(1 left)") == RUNNING_LOW_NAMED
    assert ", and more." in warning


def test_the_users_tab_shows_a_page_of_people_and_links_to_the_next(
    account: Account, alice: Member, login: Callable[[Member], Client]
) -> None:
    from sparekey.accounts.views import PEOPLE_PER_PAGE

    people = Member.objects.bulk_create(
        Member(email=f"p{n:03}@example.com", password="!", role="user")
        for n in range(PEOPLE_PER_PAGE)
    )
    Grant.objects.bulk_create(
        Grant(account=account, member=m, role=AccountRole.COLLABORATOR) for m in people
    )
    client = login(alice)
    total = PEOPLE_PER_PAGE + 3  # alice, bob, carol and the new ones; dave has no grant
    first = client.get(account.get_absolute_url(), {"tab": "users"}).content.decode()
    assert f"People 1 to {PEOPLE_PER_PAGE} of {total}" in first
    assert "alice@example.com" in first  # Owners first
    second = client.get(account.get_absolute_url(), {"tab": "users", "people": 2}).content
    assert f"People {PEOPLE_PER_PAGE + 1} to {total} of {total}".encode() in second
