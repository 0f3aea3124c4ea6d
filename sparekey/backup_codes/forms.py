from __future__ import annotations

from django import forms

from .parser import MAX_PASTE_BYTES, PasteRefused, parse_codes


class AddCodesForm(forms.Form):
    codes = forms.CharField(
        label="MFA Backup Codes",
        strip=False,
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "spellcheck": "false",
                "autocomplete": "off",
                "autocapitalize": "off",
                "aria-describedby": "codes-help codes-found",
            }
        ),
        error_messages={"required": "Paste the backup codes the service gave you."},
    )

    def clean_codes(self) -> str:
        text = self.cleaned_data["codes"]
        # The parser refuses oversized pastes too; checking here first keeps a huge body from
        # being parsed at all.
        if len(text.encode("utf-8", "surrogatepass")) > MAX_PASTE_BYTES:
            raise forms.ValidationError("The pasted text is larger than 16 KiB.")
        try:
            parsed = parse_codes(text)
        except PasteRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        if not parsed.codes:
            raise forms.ValidationError(
                "No backup codes were found in the pasted text. Paste the codes as the service "
                "shows them, one or more per line."
            )
        return text


class MarkCodeForm(forms.Form):
    state = forms.ChoiceField(choices=[("used", "Used"), ("unused", "Unused")])
