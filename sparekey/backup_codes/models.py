from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from sparekey.accounts.models import Account
from sparekey.crypto import Context, Key, open_sealed, seal

CODE_PURPOSE = "backup-code"


class CodeSet(models.Model):
    """The backup codes saved for an account at one time. An account has at most one."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="code_set")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"backup codes of {self.account}"


class BackupCode(models.Model):
    """One single-use code, sealed on its own row so that opening one opens only that one."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code_set = models.ForeignKey(CodeSet, on_delete=models.CASCADE, related_name="codes")
    position = models.PositiveSmallIntegerField()
    sealed = models.BinaryField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("position",)
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["code_set", "position"], name="code_position_once")
        ]

    def __str__(self) -> str:
        return f"code {self.position} of {self.code_set.account}"

    def context(self, account: Account) -> Context:
        return Context(CODE_PURPOSE, account.uuid, self.uuid)

    def seal(self, account: Account, data_key: Key, code: str) -> None:
        self.sealed = seal(data_key, code.encode(), self.context(account))

    def open(self, account: Account, data_key: Key) -> str:
        return open_sealed(data_key, bytes(self.sealed), self.context(account)).decode()
