from __future__ import annotations

from django import forms

from .models import Scope
from .tokens import MAX_EXPIRES_DAYS, MAX_NAME_LENGTH


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=MAX_NAME_LENGTH,
        help_text="What will use it, e.g. “runbook on ops-1”.",
        widget=forms.TextInput(attrs={"aria-describedby": "name-help"}),
    )
    scopes = forms.MultipleChoiceField(
        label="Scopes", choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_days = forms.IntegerField(
        label="Expires after (days)",
        min_value=1,
        max_value=MAX_EXPIRES_DAYS,
        required=False,
        initial=90,
        help_text="Leave empty for a token that never expires.",
        widget=forms.NumberInput(attrs={"aria-describedby": "expires-help"}),
    )
