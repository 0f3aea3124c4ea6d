from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.utils import timezone

from sparekey.accounts.models import Account

from .activity import accounts_visible_to
from .models import Action, AuditEvent

# Dates a calendar can move a day past and back across time zones (no 0001-01-01, 9999-12-31).
EARLIEST, LATEST = date(1970, 1, 1), date(9998, 12, 31)
DATE_RANGE = [MinValueValidator(EARLIEST), MaxValueValidator(LATEST)]
DATE_INPUT = forms.DateInput(attrs={"type": "date", "min": EARLIEST, "max": LATEST})


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        account: Account = obj
        label = f"{account.name} ({account.app})"
        return f"{label}, removed" if account.deleted_at else label


class ActivityFilterForm(forms.Form):
    """The Activity page's filters (GET). Every field may be left empty."""

    member = forms.CharField(
        label="Member email",
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    account = AccountChoiceField(
        label="Account",
        queryset=Account.all_objects.none(),
        required=False,
        empty_label="All accounts",
        to_field_name="uuid",
    )
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "All actions"), *Action.choices]
    )
    date_from = forms.DateField(
        label="From", required=False, widget=DATE_INPUT, validators=DATE_RANGE
    )
    date_to = forms.DateField(label="To", required=False, widget=DATE_INPUT, validators=DATE_RANGE)

    def __init__(self, member: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only accounts whose events the member sees: choosing another is "not a valid choice",
        # the same answer as for an account that does not exist.
        self.fields["account"].queryset = accounts_visible_to(member)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def apply(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """Narrow ``events`` down by the filters; call once the form is valid."""
        data = self.cleaned_data
        if data["member"]:
            events = events.filter(actor_email__icontains=data["member"])
        if data["account"]:
            events = events.filter(account=data["account"])
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["date_from"]:
            events = events.filter(at__gte=start_of(data["date_from"]))
        if data["date_to"]:
            events = events.filter(at__lt=start_of(data["date_to"] + timedelta(days=1)))
        return events


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in the workspace's time zone, as the page shows times."""
    return timezone.make_aware(datetime.combine(day, time.min))
