from __future__ import annotations

from typing import Any

from django import forms

from . import qr
from .models import MfaMethod
from .otpauth import KeyRefused, parse_key, to_uri

MAX_NOTE_CHARS = 4000
MAX_PASSWORD_CHARS = 1000


class SecretsForm(forms.Form):
    password = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        max_length=MAX_PASSWORD_CHARS,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password", "aria-describedby": "password-help"}
        ),
    )
    remove_password = forms.BooleanField(label="Remove the saved password", required=False)
    notes = forms.CharField(
        label="More details",
        required=False,
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
    )

    def new_password(self) -> str | None:
        """What to save: None keeps the saved password, "" removes it."""
        if self.cleaned_data["remove_password"]:
            return ""
        return self.cleaned_data["password"] or None


class SecretKeyForm(forms.Form):
    """Set as MFA: the Secret Key as text (base32 or otpauth://) or as a QR code screenshot."""

    secret = forms.CharField(
        label="Secret Key",
        required=False,
        max_length=2048,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
                "aria-describedby": "secret-help",
            }
        ),
    )
    qr = forms.FileField(
        label="Or a screenshot of its QR code",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("qr")
        try:
            if data.get("secret"):
                data["key"] = parse_key(data["secret"])
            elif upload is not None:
                data["key"] = qr.read_key(upload, upload.size or 0)
            else:
                raise KeyRefused("Paste the Secret Key, or choose a screenshot of its QR code.")
        except KeyRefused as refused:
            self.add_error(
                "qr" if upload is not None and not data.get("secret") else "secret", str(refused)
            )
        return data

    def as_uri(self) -> str:
        return to_uri(self.cleaned_data["key"])


class MfaSettingsForm(forms.Form):
    enabled = forms.ChoiceField(
        label="MFA", choices=[("off", "Off"), ("on", "On")], widget=forms.RadioSelect
    )
    method = forms.ChoiceField(
        label="Method",
        required=False,
        choices=[("", "Not set"), *MfaMethod.choices],
    )
    no_backup_codes = forms.BooleanField(
        label="This app gives no backup codes (an admin or its support restores access)",
        required=False,
    )
    recovery_note = forms.CharField(
        label="Recovery note",
        required=False,
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "aria-describedby": "recovery-note-help"}),
    )

    def __init__(self, *args: Any, has_totp: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_totp = has_totp

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("enabled") == "on" and not data.get("method"):
            self.add_error("method", "Choose how the account's MFA codes arrive.")
        if data.get("method") == MfaMethod.AUTHENTICATOR and not self.has_totp:
            self.add_error(
                "method", "Sparekey's authenticator needs the Secret Key first: use Set as MFA."
            )
        return data
