from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone


class WorkspaceRole(models.TextChoices):
    """What a member may manage in the workspace. None of these grants sight of a secret."""

    OWNER = "owner", "Owner"
    SUPER_ADMIN = "super_admin", "Super Admin"
    ADMIN = "admin", "Admin"
    USER = "user", "User"
    LOGIN_ONLY = "login_only", "Login-Only"


class MemberManager(BaseUserManager["Member"]):
    def create_member(
        self,
        email: str,
        password: str | None,
        *,
        role: str = WorkspaceRole.USER,
        name: str = "",
    ) -> Member:
        member = self.model(email=self.normalize_email(email).lower(), role=role, name=name)
        member.set_password(password)
        member.full_clean(exclude=["password"])
        member.save(using=self._db)
        return member

    def get_by_natural_key(self, username: str | None) -> Member:
        return self.get(email__iexact=username or "")


class Member(AbstractBaseUser):
    """A person with a login. Logs in with their e-mail address."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, choices=WorkspaceRole.choices)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[MemberManager] = MemberManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("email",)
        constraints: ClassVar[list[Any]] = [
            # Exactly one workspace Owner: the database refuses a second one.
            models.UniqueConstraint(
                fields=["role"],
                condition=models.Q(role="owner"),
                name="workspace_single_owner",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def may_add_accounts(self) -> bool:
        return self.is_active and self.role != WorkspaceRole.LOGIN_ONLY


class SetupToken(models.Model):
    """The one-time link that creates the workspace Owner when no member exists yet.

    Only a hash is stored: the link itself is printed once, on the server's console.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    VALID_FOR = 24 * 3600

    def __str__(self) -> str:
        return f"setup link of {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls) -> str:
        token = secrets.token_urlsafe(32)
        cls.objects.all().delete()
        cls.objects.create(token_hash=cls.hash(token))
        return token

    @classmethod
    def redeem(cls, token: str) -> bool:
        """Consume the token if it is valid (one use only)."""
        oldest = timezone.now() - timedelta(seconds=cls.VALID_FOR)
        deleted, _ = cls.objects.filter(token_hash=cls.hash(token), created_at__gte=oldest).delete()
        return deleted > 0
