from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_TYPE = "spk"


class Scope(models.TextChoices):
    """What a token may be used for. It never opens more than its member's account roles do."""

    READ = "read", "Read accounts, code counts and the audit log"
    USE = "use", "Claim the next backup code"
    REVEAL = "reveal", "Reveal all backup codes"
    MANAGE = "manage", "Save, replace and delete backup codes"


class TokenState(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class ApiToken(models.Model):
    """A member's personal API token (``spk_<prefix>_<secret>``).

    Only a keyed hash of the whole token is stored (sparekey.api.tokens): a stolen database does
    not hand out working tokens. ``prefix`` is not secret; it finds the row and names the token
    in lists and audit events.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, unique=True)
    digest = models.CharField(max_length=64)
    scopes = models.CharField(max_length=40)  # Scope values, space-separated
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.label} ({self.name})"

    @property
    def label(self) -> str:
        """The visible part of the token, e.g. ``spk_k3v9x0qa``: its id everywhere."""
        return f"{TOKEN_TYPE}_{self.prefix}"

    @property
    def scope_list(self) -> list[Scope]:
        return [Scope(value) for value in self.scopes.split()]

    def state(self, now: datetime | None = None) -> TokenState:
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return TokenState.EXPIRED
        return TokenState.ACTIVE
