from __future__ import annotations

from typing import Any

from django import forms

from sparekey.workspace.members_forms import MembersChoiceField, set_choices
from sparekey.workspace.models import Member, WorkspaceRole

from .models import Account, AccountRole
from .sharing import Candidate


class AccountForm(forms.ModelForm):  # type: ignore[type-arg]
    login_url = forms.URLField(
        label="Login URL", required=False, max_length=500, assume_scheme="https"
    )

    class Meta:
        model = Account
        fields = ("name", "app", "login_url", "username")
        labels = {"name": "Name", "app": "App", "username": "Username"}


class RemoveAccountForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Told to the other Owners and kept in the audit log.",
    )


class ShareForm(forms.Form):
    recipient = forms.ChoiceField(label="Members and Teams", widget=forms.RadioSelect)
    role = forms.ChoiceField(
        label="Role",
        choices=AccountRole.choices,
        initial=AccountRole.COLLABORATOR,
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label="Message",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional; included in the e-mail that tells them.",
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, candidates: list[Candidate], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        set_choices(self, "recipient", [(c.value, c.label) for c in candidates])


class AssignOwnersForm(forms.Form):
    owners = MembersChoiceField(
        label="New Owners",
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owners"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Member.objects.filter(is_active=True).exclude(
            role=WorkspaceRole.LOGIN_ONLY
        )
