"""The MAC's content is the canonical JSON it always was: a change of encoder must not change
one byte, or every stored event would stop verifying."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sparekey.audit.chain import _CANONICAL_JSON

scalars = st.none() | st.booleans() | st.integers() | st.text()
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(documents)
def test_the_shared_encoder_writes_what_json_dumps_wrote(document: Any) -> None:
    expected = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert _CANONICAL_JSON.encode(document) == expected


def test_a_known_event_content() -> None:
    fields = [2, "a:1", 3, 7, "2026-12-04T20:00:00+00:00", "code_used", {"b": 1, "a": "é"}]
    assert _CANONICAL_JSON.encode(fields) == (
        '[2,"a:1",3,7,"2026-12-04T20:00:00+00:00","code_used",{"a":"\\u00e9","b":1}]'
    )
