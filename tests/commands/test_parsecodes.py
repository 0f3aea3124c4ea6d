from __future__ import annotations

import json
from pathlib import Path

from tests.commands.conftest import Run

CORPUS = Path(__file__).parent.parent / "corpus" / "pasted-codes"


def test_it_prints_the_codes_as_json(sparekey: Run) -> None:
    result = sparekey("parsecodes", stdin=(CORPUS / "google-file.txt").read_text())
    assert result.returncode == 0, result.stderr
    expected = json.loads((CORPUS / "google-file.json").read_text())["codes"]
    assert json.loads(result.stdout) == {"codes": expected, "warnings": []}


def test_it_exits_1_when_no_code_is_found(sparekey: Run) -> None:
    result = sparekey("parsecodes", stdin="I could not find them.")
    assert result.returncode == 1
    assert json.loads(result.stdout)["codes"] == []
    assert result.stderr.strip()


def test_it_exits_1_with_the_reason_when_refused(sparekey: Run) -> None:
    result = sparekey("parsecodes", stdin="f0b26-536b5\nab\x1bcd-12345\n")
    assert result.returncode == 1
    assert "Line 2" in result.stderr
    result = sparekey("parsecodes", stdin="12345678\n" * 3000)
    assert result.returncode == 1
    assert "16 KiB" in result.stderr
