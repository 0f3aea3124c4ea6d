class CryptoError(Exception):
    """Base of every crypto failure. Messages name key ids and purposes, never key or plaintext."""


class UnknownVersion(CryptoError):
    pass


class UnknownKey(CryptoError):
    def __init__(self, key_id: str) -> None:
        super().__init__(f"No key with id {key_id} is loaded; the value needs that key to open.")
        self.key_id = key_id


class TamperedBlob(CryptoError):
    pass


class KeyringError(CryptoError):
    pass


class WrongPassphrase(CryptoError):
    pass
