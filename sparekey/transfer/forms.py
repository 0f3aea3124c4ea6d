from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from .exporting import MIN_PASSPHRASE_CHARS
from .formats import FORMATS
from .formats.limits import MAX_UPLOAD_BYTES
from .importing import OnConflict
from .uploads import TOO_LARGE


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several plain text files (one per account) or one export file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data] or [single(None, initial)]
        return [single(data, initial)]


class ImportForm(forms.Form):
    file = MultipleFileField(
        label="File",
        widget=MultipleFileInput(
            attrs={"data-max-bytes": str(MAX_UPLOAD_BYTES), "data-too-large": TOO_LARGE}
        ),
        help_text=(
            "An export of Bitwarden (unencrypted JSON), 1Password (.1pux), KeePass (.kdbx), "
            "KeePassXC (CSV), Psono (JSON), a CSV file, or text files of codes (one file per "
            f"account). At most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB."
        ),
    )
    format = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[("", "Find out from the file"), *FORMATS.items()],
    )
    password = forms.CharField(
        label="Master password (KeePass only)",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    on_conflict = forms.ChoiceField(
        label="When an account of the same name and app exists",
        choices=[
            (OnConflict.SKIP.value, "Skip it"),
            (
                OnConflict.ADD_CODES.value,
                "Add the codes to it (an Owner's existing codes are replaced)",
            ),
        ],
        initial=OnConflict.SKIP.value,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean_file(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["file"]
        # The upload handler stopped storing at the limit; this is the check for any other way in.
        if sum(f.size or 0 for f in files) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(TOO_LARGE)
        return files

    def full_clean(self) -> None:
        super().full_clean()
        if self.too_large:
            # The handler dropped the file, so "required" would be the error: say why instead.
            self.errors["file"] = self.error_class([TOO_LARGE])
            self.cleaned_data.pop("file", None)


class ConfirmImportForm(forms.Form):
    preview = forms.CharField(widget=forms.HiddenInput, max_length=2000)


class ExportForm(forms.Form):
    passphrase = forms.CharField(
        label="Passphrase",
        strip=False,
        min_length=MIN_PASSPHRASE_CHARS,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=(
            f"At least {MIN_PASSPHRASE_CHARS} characters. The file opens with this passphrase "
            "only (age: `age -d`); Sparekey does not keep it."
        ),
    )
    passphrase_again = forms.CharField(
        label="The passphrase again",
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("passphrase")
            and cleaned.get("passphrase_again") is not None
            and cleaned["passphrase"] != cleaned["passphrase_again"]
        ):
            self.add_error("passphrase_again", "The two passphrases differ.")
        return cleaned
