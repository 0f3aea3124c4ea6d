"""``pk IN (subquery)`` that PostgreSQL reads by primary key.

For ``WHERE id IN (SELECT account_id FROM grants WHERE member_id = %s) OR id IN (...)``
PostgreSQL plans one generic estimate for every member (the average number of grants), and for
the OR of two subqueries it tests each account of the workspace against both: 100,000 rows read
to find a member's 10 accounts. ``id = ANY(ARRAY(subquery))`` runs each subquery once, first (an
init plan), then fetches exactly those rows through the primary key: 12 ms became 0.2 ms for a
member holding 10 of 100,000 accounts (docs/performance.md). SQLite already reads such an IN
list by index, so it keeps the plain form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import BooleanField, Expression, F, QuerySet, Subquery


class InSubquery(Expression):
    """True where ``field`` is among the values ``queryset`` (one column) returns."""

    output_field = BooleanField()

    def __init__(self, field: str, queryset: QuerySet[Any]) -> None:
        super().__init__()
        self.column: Any = F(field)
        self.subquery: Any = Subquery(queryset)

    def get_source_expressions(self) -> list[Any]:
        return [self.column, self.subquery]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.column, self.subquery = exprs

    def resolve_expression(self, *args: Any, **kwargs: Any) -> InSubquery:
        resolved = self.copy()
        resolved.column = self.column.resolve_expression(*args, **kwargs)
        resolved.subquery = self.subquery.resolve_expression(*args, **kwargs)
        return resolved

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        field_sql, field_params = compiler.compile(self.column)
        subquery_sql, subquery_params = compiler.compile(self.subquery)
        params = [*field_params, *subquery_params]
        if connection.vendor == "postgresql":
            # The compiled subquery comes in parentheses: ARRAY(SELECT ...).
            return f"{field_sql} = ANY(ARRAY{subquery_sql})", params
        return f"{field_sql} IN {subquery_sql}", params
