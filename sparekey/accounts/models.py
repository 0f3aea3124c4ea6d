from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from sparekey.crypto import Key, blob_key_id
from sparekey.keys import keyring


class AccountRole(models.TextChoices):
    """A member's role on one account. Only Owners see its secrets and emergency controls."""

    OWNER = "owner", "Owner"
    COLLABORATOR = "collaborator", "Collaborator"


class AccountPurged(Exception):
    """The account's data key was destroyed: none of its secrets can be opened any more."""


class LiveAccounts(models.Manager["Account"]):
    def get_queryset(self) -> models.QuerySet[Account]:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Account(models.Model):
    """A shared app account (the brand's X, the registrar, the cloud root account)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    app = models.CharField(max_length=120)
    login_url = models.URLField(blank=True, max_length=500)
    username = models.CharField(max_length=200, blank=True)
    mfa_enabled = models.BooleanField(default=False)
    # The account's data key, wrapped by the master key; key_id names the master key used.
    wrapped_data_key = models.BinaryField()
    key_id = models.CharField(max_length=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deletion_reason = models.CharField(max_length=500, blank=True)
    # Set when the retention period ended and the data key was destroyed (crypto-shredding).
    purged_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[LiveAccounts] = LiveAccounts()
    all_objects = models.Manager["Account"]()

    class Meta:
        ordering = ("name", "app")
        base_manager_name = "all_objects"
        indexes: ClassVar[list[Any]] = [
            # The dashboard's and the API's order over live accounts: a page of 50 is read from
            # the index instead of sorting every account a member holds.
            models.Index(
                fields=["name", "app", "uuid"],
                condition=models.Q(deleted_at__isnull=True),
                name="account_live_by_name",
            ),
            # Deleted accounts and `sparekey purge`: the few removed ones, not every account.
            models.Index(
                fields=["deleted_at"],
                condition=models.Q(deleted_at__isnull=False),
                name="account_removed_at",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("account_details", kwargs={"account": self.uuid})

    def seal_new_data_key(self) -> None:
        data_key = Key.generate()
        ring = keyring()
        self.wrapped_data_key = ring.wrap_data_key(data_key, self.uuid)
        # From the blob itself: the keyring may reload (a rotation) between two lines.
        self.key_id = blob_key_id(self.wrapped_data_key)

    def data_key(self) -> Key:
        if not self.wrapped_data_key:
            raise AccountPurged(f"The data key of {self.name} was destroyed when it was purged.")
        return keyring().unwrap_data_key(bytes(self.wrapped_data_key), self.uuid)


class Grant(models.Model):
    """A role on an account, given to one member directly or to a team (exactly one of them)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="grants")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="grants",
    )
    team = models.ForeignKey(
        "workspace.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(max_length=20, choices=AccountRole.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=(
                    models.Q(member__isnull=False, team__isnull=True)
                    | models.Q(member__isnull=True, team__isnull=False)
                ),
                name="grant_to_member_or_team",
            ),
            models.UniqueConstraint(
                fields=["account", "member"],
                condition=models.Q(member__isnull=False),
                name="grant_once_per_member",
            ),
            models.UniqueConstraint(
                fields=["account", "team"],
                condition=models.Q(team__isnull=False),
                name="grant_once_per_team",
            ),
        ]
        indexes: ClassVar[list[Any]] = [
            # "The accounts of a member": from the member's (or team's) grants to the accounts,
            # without reading the grant rows themselves.
            models.Index(fields=["member", "account"], name="grant_member_account"),
            models.Index(fields=["team", "account"], name="grant_team_account"),
        ]

    def __str__(self) -> str:
        return f"{self.member or self.team} is {self.get_role_display()} of {self.account}"
