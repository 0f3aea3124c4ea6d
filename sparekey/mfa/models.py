from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from sparekey.accounts.models import Account
from sparekey.crypto import Context, Key, open_sealed, seal


class SecretKind(models.TextChoices):
    """The account's secrets besides its backup codes; each kind is also its sealing purpose."""

    PASSWORD = "password", "Password"
    NOTES = "notes", "More details"
    TOTP = "totp", "Secret Key"
    RECOVERY_NOTE = "recovery_note", "Recovery note"


class MfaMethod(models.TextChoices):
    AUTHENTICATOR = "authenticator", "Sparekey's authenticator"
    PHONE = "phone", "A phone (text message or call)"
    EMAIL = "email", "An e-mail"
    OTHER = "other", "Other"


class AccountSecret(models.Model):
    """One secret of an account, sealed with the account's data key on its own row."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="secrets")
    kind = models.CharField(max_length=20, choices=SecretKind.choices)
    sealed = models.BinaryField()
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["account", "kind"], name="one_secret_of_each_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.account}"

    def context(self, account: Account) -> Context:
        return Context(self.kind, account.uuid, self.uuid)

    def seal(self, account: Account, data_key: Key, value: str) -> None:
        self.sealed = seal(data_key, value.encode(), self.context(account))

    def open(self, account: Account, data_key: Key) -> str:
        return open_sealed(data_key, bytes(self.sealed), self.context(account)).decode()


class MfaSettings(models.Model):
    """How the account's MFA codes arrive. Whether MFA is on is ``Account.mfa_enabled``."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="mfa")
    method = models.CharField(max_length=20, choices=MfaMethod.choices, blank=True)
    # The app gives no backup codes (AWS root, Salesforce): a sealed recovery note stands in.
    no_backup_codes = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"MFA settings of {self.account}"


class CodeShown(models.Model):
    """A member was shown an account's current code in this minute.

    The unique row makes the audit event once per member, account and minute even when several
    requests (pages, polls, servers) show the code at the same moment.
    """

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField(db_index=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["member", "account", "minute"], name="code_shown_once_a_minute"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account}'s code shown to {self.member} at {self.minute:%H:%M}"
