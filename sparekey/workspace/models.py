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


class Attempt(models.Model):
    """One event counted by a limiter (sparekey.workspace.throttle): a failed login, a reveal.

    A hit is an INSERT and a count is a COUNT over the window, so that several server processes
    on one database count together and a burst of parallel requests loses no hit. ``key_hash``
    is a keyed hash: the table never holds an e-mail address or a client address.
    """

    scope = models.CharField(max_length=20)
    key_hash = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["scope", "key_hash", "at"], name="attempt_scope_key_at")
        ]

    def __str__(self) -> str:
        return f"{self.scope} attempt at {self.at:%Y-%m-%d %H:%M:%S}"


# Members, teams and invitations (sparekey.workspace.members, .teams, .invitations).

ROLE_RANK = {
    WorkspaceRole.LOGIN_ONLY: 0,
    WorkspaceRole.USER: 1,
    WorkspaceRole.ADMIN: 2,
    WorkspaceRole.SUPER_ADMIN: 3,
    WorkspaceRole.OWNER: 4,
}


class TeamRole(models.TextChoices):
    MEMBER = "member", "Team Member"
    ADMIN = "admin", "Team Admin"


class Team(models.Model):
    """A named set of members: an account shared with a team gives each of them that role."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="team_memberships")
    role = models.CharField(max_length=20, choices=TeamRole.choices, default=TeamRole.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("team__name", "member__email")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["team", "member"], name="team_membership_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} in {self.team}"


class Invitation(models.Model):
    """A single-use, expiring link that lets a person join with the role they were invited to.

    Only a hash of the token is stored: the link itself is shown once to the inviter and sent
    once by e-mail.
    """

    email = models.EmailField()
    name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, choices=WorkspaceRole.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        Member, null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"invitation of {self.email}"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class MemberSession(models.Model):
    """Which sessions belong to which member, so that deactivating one ends all of theirs."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="session_index")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"a session of {self.member}"


# Two-step login (sparekey.workspace.two_step).


class WorkspacePolicy(models.Model):
    """Workspace-wide switches the Owner sets. One row (pk 1), made on first use."""

    totp_required = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return "workspace policy"

    @classmethod
    def current(cls) -> WorkspacePolicy:
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy


class LoginTotp(models.Model):
    """A member's own authenticator for their login. Never stored in clear.

    The secret is sealed with a key of its own, and that key is wrapped by the master key (as an
    account's data key is), each under a context naming this member and this row: a blob copied
    to another member's row fails to open. ``confirmed_at`` is empty while the member has not yet
    proved, with a code, that their app holds the secret: until then it does not guard the login.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="login_totp")
    wrapped_key = models.BinaryField()
    master_key_id = models.CharField(max_length=8)
    sealed_secret = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The newest time step whose code was accepted: that code, and every older one, is refused.
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"login TOTP of {self.member}"

    @property
    def is_on(self) -> bool:
        return self.confirmed_at is not None


class LoginRecoveryCode(models.Model):
    """One of a member's ten single-use recovery codes, stored as a one-way hash."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["member", "code_hash"], name="recovery_code_once")
        ]

    def __str__(self) -> str:
        return f"a recovery code of {self.member}"
