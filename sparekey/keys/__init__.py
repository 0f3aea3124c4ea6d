"""The master keys of this process, loaded from the configured provider, and the audit key.

Providers: the keyring file ``master.key`` in the data directory (default; it may name keys held
by a PKCS#11 token), or SPAREKEY_MASTER_KEY(_FILE). Sparekey never creates a key over existing
data: a missing or wrong key stops the process with a message naming the key id it needs.
"""

from .master import MasterKeys, keyring

__all__ = ["MasterKeys", "keyring"]
