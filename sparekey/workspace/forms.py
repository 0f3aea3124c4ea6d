from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from . import two_step
from .models import LoginTotp, Member


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "That email and password do not match a member of this workspace.",
        "inactive": "This member has been deactivated.",
    }


class ConfirmIdentityForm(forms.Form):
    """The password, or for a member with two-step login, a code from their authenticator."""

    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    code = forms.CharField(
        label="Or a code from your authenticator app",
        required=False,
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )

    WRONG_PASSWORD = "wrong_password"

    def __init__(self, member: Member, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        self.uses_totp = two_step.is_on(member)
        if self.uses_totp:
            self.fields["password"].required = False
        else:
            del self.fields["code"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if password and not self.member.check_password(password):
            raise forms.ValidationError("That password is not right.", code=self.WRONG_PASSWORD)
        return password

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.uses_totp or self.errors or data.get("password"):
            return data
        code = data.get("code", "")
        if not code:
            raise forms.ValidationError("Enter your password or a code from your app.")
        row = LoginTotp.objects.filter(member=self.member, confirmed_at__isnull=False).first()
        if row is None or not two_step.accept_code(row, code):
            self.add_error(
                "code",
                forms.ValidationError(
                    "That code is not right, or was used already.", code=self.WRONG_PASSWORD
                ),
            )
        return data


class LoginCodeForm(forms.Form):
    """The login's second step: the app's six digits, or one recovery code."""

    code = forms.CharField(
        label="Code from your authenticator app, or a recovery code",
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        ),
    )

    WRONG_CODE = "That code is not right, or was used already."


class EnrolCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your app",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class TwoStepPolicyForm(forms.Form):
    totp_required = forms.BooleanField(label="Every member must use two-step login", required=False)


class SetupForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=150)
    email = forms.EmailField(label="Email")
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        elif data.get("password"):
            candidate = Member(email=data.get("email", ""), name=data.get("name", ""))
            try:
                password_validation.validate_password(data["password"], candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data
