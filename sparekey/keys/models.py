from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from sparekey.crypto import Context, Key, Keyring, TamperedBlob, blob_key_id

from .master import keyring

AUDIT_KEY_PURPOSE = "audit-key"


class AuditKey(models.Model):
    """The key of the audit chain's MACs: random, stored wrapped by a master key like a data key.

    Apart from the master key so that the chain outlives a rotation and a retired master key
    (the audit key is only rewrapped), and so that a master key in a token, which cannot derive
    keys, still guards the chain.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The audit key's own id, which every event it authenticates names.
    key_id = models.CharField(max_length=8, unique=True)
    wrapped_key = models.BinaryField()
    # The master key that wraps it (as Account.key_id does for a data key).
    master_key_id = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"audit key {self.key_id}"

    @classmethod
    def create(cls) -> AuditKey:
        key = Key.generate()
        row = cls(key_id=key.id)
        row.wrap(keyring(), key)
        row.save()
        return row

    def context(self) -> Context:
        return Context(AUDIT_KEY_PURPOSE, self.uuid, self.uuid)

    def wrap(self, ring: Keyring, key: Key) -> None:
        self.wrapped_key = ring.wrap_key(key, self.context())
        self.master_key_id = blob_key_id(self.wrapped_key)

    def open(self, ring: Keyring | None = None) -> Key:
        key = (ring or keyring()).unwrap_key(bytes(self.wrapped_key), self.context())
        if key.id != self.key_id:
            raise TamperedBlob(f"The audit key stored as {self.key_id} is another key.")
        return key
