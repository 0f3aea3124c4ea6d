"""The Activity log as CSV: streamed event by event, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from .activity import ActivityRow
from .models import AuditEvent

HEADER = ["Event", "When", "Who", "Email", "Action", "Account", "Address", "Details"]
# A spreadsheet runs a cell that starts like a formula (CSV injection: account and member names
# are typed by people); a leading quote makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def cells(row: ActivityRow) -> list[str]:
    when = timezone.localtime(row.at).isoformat(timespec="seconds")
    details = "\n".join(row.details)  # inside one quoted cell: a line break does not end the row
    values = [row.seq, when, row.who, row.email, row.action, row.account, row.address, details]
    return [safe_cell(value) for value in values]


class _Line:
    """A file for csv.writer that hands back each line instead of storing it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(HEADER)
    for event in events.iterator(chunk_size=500):
        yield writer.writerow(cells(ActivityRow.of(event)))


def csv_response(events: QuerySet[AuditEvent], filename: str) -> StreamingHttpResponse:
    return StreamingHttpResponse(
        csv_lines(events),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
