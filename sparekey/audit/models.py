from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Failed to log in"
    LOGOUT = "logout", "Logged out"
    WORKSPACE_CREATED = "workspace_created", "Created the workspace"
    IDENTITY_CONFIRMED = "identity_confirmed", "Confirmed their identity"
    IDENTITY_FAILED = "identity_failed", "Failed to confirm their identity"
    MEMBER_ADDED = "member_added", "Added a member"
    ACCOUNT_ADDED = "account_added", "Added an account"
    CODES_SAVED = "codes_saved", "Saved backup codes"
    CODES_REPLACED = "codes_replaced", "Replaced backup codes"
    CODES_DELETED = "codes_deleted", "Deleted backup codes"
    CODES_VIEWED = "codes_viewed", "Viewed backup codes"
    CODE_USED = "code_used", "Used a backup code"
    CODE_MARKED_USED = "code_marked_used", "Marked a backup code used"
    CODE_MARKED_UNUSED = "code_marked_unused", "Marked a backup code unused"
    CODES_LOW = "codes_low", "Backup codes running low"
    ACCESS_DENIED = "access_denied", "Was denied access"
    RATE_LIMITED = "rate_limited", "Was rate-limited"
    LOCKED_OUT = "locked_out", "Was locked out"
    ROLE_CHANGED = "role_changed", "Changed a role"
    TOKEN_CREATED = "token_created", "Created an API token"
    TOKEN_REVOKED = "token_revoked", "Revoked an API token"
    TOKEN_REFUSED = "token_refused", "Was refused by the API"
    KEY_ROTATED = "key_rotated", "Rotated the master key"
    KEY_RETIRED = "key_retired", "Retired a master key"
    BACKUP_MADE = "backup_made", "Made a backup"
    RESTORED = "restored", "Restored a backup"
    VERIFIED = "verified", "Checked that every secret opens"
    GRANT_ADDED = "grant_added", "Shared an account"
    GRANT_REMOVED = "grant_removed", "Removed access to an account"
    ACCOUNT_EDITED = "account_edited", "Edited an account"
    ACCOUNT_REMOVED = "account_removed", "Removed an account"
    ACCOUNT_RESTORED = "account_restored", "Restored an account"
    ACCOUNT_PURGED = "account_purged", "Purged an account"
    OWNERS_ASSIGNED = "owners_assigned", "Assigned owners to an orphaned account"
    MEMBER_INVITED = "member_invited", "Invited a member"
    INVITATION_ACCEPTED = "invitation_accepted", "Accepted an invitation"
    MEMBER_DEACTIVATED = "member_deactivated", "Deactivated a member"
    MEMBER_REACTIVATED = "member_reactivated", "Reactivated a member"
    OWNERSHIP_TRANSFERRED = "ownership_transferred", "Handed over the workspace"
    TEAM_CREATED = "team_created", "Created a team"
    TEAM_CHANGED = "team_changed", "Changed a team's members"
    TEAM_DELETED = "team_deleted", "Deleted a team"
    TOTP_ENABLED = "totp_enabled", "Turned on TOTP for their login"
    TOTP_DISABLED = "totp_disabled", "Turned off TOTP for their login"
    TOTP_REQUIRED = "totp_required", "Changed whether TOTP is required"
    TOTP_RECOVERY_CODES_MADE = "totp_recovery_codes_made", "Made new login recovery codes"
    TOTP_RECOVERY_CODE_USED = "totp_recovery_code_used", "Logged in with a recovery code"
    TOTP_RESET = "totp_reset", "Reset a member's two-step login"
    PASSWORD_VIEWED = "password_viewed", "Viewed an account's password"
    SECRETS_CHANGED = "secrets_changed", "Changed an account's password or notes"
    TOTP_SAVED = "totp_saved", "Saved an account's MFA Secret Key"
    TOTP_SHOWN = "totp_shown", "Was shown an account's MFA code"
    TOTP_QR_VIEWED = "totp_qr_viewed", "Viewed an account's MFA Secret Key"
    MFA_CHANGED = "mfa_changed", "Changed an account's MFA settings"
    CHAIN_OPENED = "chain_opened", "Started the audit chain of an account"
    ACCOUNT_IMPORTED = "account_imported", "Imported an account"
    IMPORT_DONE = "import_done", "Imported a file of accounts"
    ACCOUNTS_EXPORTED = "accounts_exported", "Exported accounts"


class AuditEvent(models.Model):
    """One append-only link of an audit chain. Never holds a secret.

    Every account has a chain of its own, and events of no account (logins, members, keys) are
    on the workspace chain: appends to different accounts never wait for each other (see
    docs/audit-chain.md). ``chain`` names the chain (the account's UUID, or "" for the
    workspace), ``chain_seq`` is the event's place in it (1, 2, 3, ... without gaps), and
    ``seq`` orders all events of the workspace (the Activity page's order; it may skip numbers).

    ``mac`` is HMAC-SHA256, under the audit key (stored wrapped by the master key), over this
    event's content, its chain, both its numbers and the ``mac`` of the event before it in its
    chain: editing, inserting, deleting, reordering or moving events between chains breaks a
    chain for anyone who lacks the master key. Events recorded before the chains were split
    (``mac_version`` 1) are the start of the workspace chain, as they were (migration 0007).
    """

    seq = models.BigIntegerField(unique=True)
    chain = models.CharField(max_length=36, blank=True, default="")
    chain_seq = models.BigIntegerField()
    mac_version = models.PositiveSmallIntegerField(default=2)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # No ``choices`` on the column: a new audit action is a code change, not a migration.
    action = models.CharField(max_length=40)
    # PROTECT: the actor is part of an event's MAC, so deleting a member would break the chain.
    # Members are deactivated, never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # Snapshots, so that an event still says who and what after a member or account is gone.
    actor_email = models.CharField(max_length=254, blank=True)
    account = models.ForeignKey(
        "accounts.Account", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    account_uuid = models.UUIDField(null=True)
    account_name = models.CharField(max_length=120, blank=True)
    ip = models.GenericIPAddressField(null=True)
    detail = models.JSONField(default=dict)
    key_id = models.CharField(max_length=8)
    prev_mac = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ("seq",)
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["account", "seq"]),
            # A member's newest event on an account (the Users tab's "last used"), one index
            # step however many events the account has.
            models.Index(fields=["account", "actor", "at"], name="audit_account_actor_at"),
        ]
        constraints: ClassVar[list[Any]] = [
            # Also the index that `audit verify` reads one chain by.
            models.UniqueConstraint(fields=["chain", "chain_seq"], name="audit_event_chain_place")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_email or 'system'} {self.action}"

    @property
    def action_label(self) -> str:
        """The action in words ("Used a backup code"); an unknown action shows as stored."""
        try:
            return str(Action(self.action).label)
        except ValueError:
            return self.action


class ChainHead(models.Model):
    """The last event of one chain: the row an append to that chain locks, and only that chain.

    Appends to one account queue on its row (their events must follow one another); appends to
    different accounts take different rows and go on at once. The workspace chain's row is
    pk 1 (``chain`` ""). ``seq`` here is the head's place in its chain (``chain_seq``), not the
    workspace-wide ``AuditEvent.seq``.

    ``head_mac`` authenticates (chain, seq, mac): cutting events off the end of a chain and
    moving its head back needs the key, unless an older copy of this row was kept (anchor the
    head outside the database, e.g. by printing `sparekey audit verify`'s result, to catch that
    too). A chain deleted whole, events and head, is caught by the workspace chain's
    "chain_opened" event that started it.
    """

    chain = models.CharField(max_length=36, unique=True, default="")
    seq = models.BigIntegerField(default=0)
    mac = models.CharField(max_length=64, default="0" * 64)
    key_id = models.CharField(max_length=8, blank=True)
    head_mac = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"audit chain head #{self.seq}"
