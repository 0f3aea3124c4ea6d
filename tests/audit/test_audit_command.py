"""`sparekey audit verify`: the head on success, the first bad event and exit 1 on tampering."""

from __future__ import annotations

import base64
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sparekey.audit import chain
from sparekey.audit.models import Action, AuditEvent, ChainHead
from sparekey.crypto import KeyringError
from sparekey.keys import keyring

pytestmark = pytest.mark.django_db
EVENTS = 20


@pytest.fixture
def twenty_events(db: None) -> None:
    for n in range(EVENTS):
        chain.record(Action.CODES_VIEWED, detail={"codes": n, "note": "Brand X backup"})


def verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def seqs() -> list[int]:
    # On PostgreSQL seq comes from a sequence that the run's other tests have drawn from too.
    return list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))


def test_an_intact_chain_prints_the_count_and_the_head_to_note_down(twenty_events: None) -> None:
    head = ChainHead.objects.get()
    newest = seqs()[-1]
    assert verify() == f"The audit chain is intact: 20 events, head #{newest} {head.mac[:16]}.\n"


def test_it_prints_no_secret_and_no_event_content(twenty_events: None) -> None:
    output = verify()
    head = ChainHead.objects.get()
    key_material = getattr(keyring().current, "material", b"")
    assert head.mac not in output  # 16 hex digits to compare, not the whole MAC
    assert head.head_mac[:16] not in output
    assert "Brand X" not in output
    if key_material:
        assert base64.b64encode(key_material).decode() not in output
        assert key_material.hex()[:16] not in output


def test_a_tampered_chain_names_the_first_bad_event_and_exits_1(twenty_events: None) -> None:
    seventh = seqs()[6]
    AuditEvent.objects.filter(seq=seventh).update(detail={"codes": 0})
    with pytest.raises(CommandError) as raised:
        verify()
    assert raised.value.returncode == 1
    assert str(raised.value) == (
        f"The audit chain is broken at event #{seventh}: it was altered (its MAC does not match)."
    )


def test_a_cut_off_tail_exits_1(twenty_events: None) -> None:
    fifteenth = seqs()[14]
    AuditEvent.objects.filter(seq__gt=fifteenth).delete()
    with pytest.raises(CommandError) as raised:
        verify()
    assert raised.value.returncode == 1
    assert f"#{fifteenth + 1}" in str(raised.value)


def test_an_empty_chain_says_so() -> None:
    assert verify() == "The audit chain is empty: no event has been recorded.\n"


def test_a_missing_master_key_exits_2_not_as_tampering(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_key(*args: Any, **kwargs: Any) -> None:
        raise KeyringError("The master key file data/master.key is missing.")

    monkeypatch.setattr("sparekey.audit.management.commands.audit.verify_chain", no_key)
    with pytest.raises(CommandError) as raised:
        verify()
    assert raised.value.returncode == 2
    assert "master key file" in str(raised.value)


def test_it_needs_a_subcommand() -> None:
    with pytest.raises(CommandError, match="subcommand"):
        call_command("audit")
