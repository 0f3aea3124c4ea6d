"""The Psono JSON reader."""

from __future__ import annotations

import pytest

from sparekey.transfer.formats import read_import
from sparekey.transfer.items import ImportRefused
from tests.transfer.fixtures import (
    TOTP_SECRET,
    corpus_codes,
    corpus_text,
    psono_folder,
    psono_item,
    psono_json,
    psono_website,
)


def read(data: bytes) -> list:
    return read_import([("psono.json", data)], format="psono")


def test_folders_items_and_nested_folders() -> None:
    website = psono_website(
        "Brand X",
        url="https://x.com/login",
        username="@brandx",
        password="pw-pw",
        notes=f"Códigos de recuperación:\n{corpus_text('github-file')}",
        totp=TOTP_SECRET,
        custom_fields=[("Support PIN", "4711")],
    )
    app = psono_item("application_password", "Slack", username="ops", password="pw2", notes="")
    note = psono_item("note", "Dropbox codes", notes=corpus_text("dropbox-line"))
    totp = psono_item("totp", "Authenticator", code=TOTP_SECRET, notes="", period="30")
    key = psono_item("mail_gpg_own_key", "GPG key", private="-----BEGIN PGP-----")
    document = psono_json(
        items=[app],
        folders=[psono_folder("Social", [website], [psono_folder("Archive", [note, totp, key])])],
    )
    slack, x, dropbox, authenticator = read(document)
    assert (slack.name, slack.username, slack.password, slack.origin) == (
        "Slack",
        "ops",
        "pw2",
        "item 1",
    )
    assert x.origin == "Social, item 2"
    assert (x.login_url, x.username, x.password, x.totp) == (
        "https://x.com/login",
        "@brandx",
        "pw-pw",
        TOTP_SECRET,
    )
    assert x.codes[0].codes == corpus_codes("github-file")
    assert x.notes == "Support PIN: 4711"
    assert dropbox.origin == "Social/Archive, item 3"
    assert dropbox.codes[0].codes == corpus_codes("dropbox-line")
    assert authenticator.totp == TOTP_SECRET
    assert authenticator.notes == ""


def test_unknown_item_fields_are_kept_in_the_notes() -> None:
    item = psono_item(
        "website_password", "A", url="https://a.example", security_question="first pet: Rex"
    )
    (account,) = read(psono_json(items=[item]))
    assert account.notes == "Security question: first pet: Rex"


@pytest.mark.parametrize("document", [b"[]", b'{"name": "x"}', b'{"folders": [{"folders": "x"}]}'])
def test_what_is_not_a_psono_export_is_refused_or_empty(document: bytes) -> None:
    try:
        assert read(document) == []
    except ImportRefused as refusal:
        assert "Psono" in refusal.reason
