from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation

from .models import Member, TeamRole, WorkspaceRole


class MemberChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.email})"


class MembersChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.email})"


def set_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email")
    name = forms.CharField(label="Name", max_length=150, required=False)
    role = forms.ChoiceField(label="Workspace role")

    def __init__(self, roles: list[WorkspaceRole], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "role", [(r.value, r.label) for r in roles])
        self.fields["role"].initial = WorkspaceRole.USER


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=150)
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, email: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        elif data.get("password"):
            candidate = Member(email=self.email, name=data.get("name", ""))
            try:
                password_validation.validate_password(data["password"], candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Workspace role")

    def __init__(self, roles: list[WorkspaceRole], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "role", [(r.value, r.label) for r in roles])


class HandoverForm(forms.Form):
    to = MemberChoiceField(label="New workspace Owner", queryset=Member.objects.none())
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, owner: Member, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Member.objects.filter(is_active=True).exclude(pk=owner.pk)


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=120)


class TeamMemberForm(forms.Form):
    member = MemberChoiceField(label="Member", queryset=Member.objects.none())
    role = forms.ChoiceField(label="Team role", choices=TeamRole.choices, initial=TeamRole.MEMBER)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Member.objects.filter(is_active=True)
