"""Master keys held by a PKCS#11 token (an HSM; SoftHSM2 in the tests): they never leave it.

The token seals and opens with CKM_AES_GCM, in the same blob format and with the same associated
data as a key held in memory, so a wrapped data key says nothing about where its master key lives
beyond the key id. Each master key is an AES-256 secret key object on the token, sensitive and
not extractable, labelled with the configured key label and with CKA_ID = its Sparekey key id.

python-pkcs11 is an optional dependency (``pip install 'sparekey[hsm]'``), imported on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from cryptography.exceptions import InvalidTag

from .errors import KeyringError

KIND = "pkcs11"
T = TypeVar("T")


def _library() -> Any:
    try:
        import pkcs11
    except ImportError:
        raise KeyringError(
            "A PKCS#11 token is configured, but python-pkcs11 is not installed: "
            "pip install 'sparekey[hsm]'."
        ) from None
    return pkcs11


class Pkcs11Token:
    """One token, opened lazily with one session per process (reopened after a fork)."""

    kind = KIND

    def __init__(self, module: str, token_label: str, pin: str, key_label: str) -> None:
        self.module = module
        self.token_label = token_label
        self.key_label = key_label
        self._pin = pin
        self._lock = threading.Lock()
        self._pid = 0
        self._lib: Any = None
        self._session: Any = None
        self._objects: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<Pkcs11Token {self.token_label!r} keys labelled {self.key_label!r}>"

    def key(self, key_id: str) -> TokenKey:
        """The token's key with this id; a KeyringError naming the id if the token lacks it."""
        self._call(key_id, lambda _: None)
        return TokenKey(self, key_id)

    def key_ids(self) -> list[str]:
        pkcs11 = _library()
        Attribute, ObjectClass = pkcs11.Attribute, pkcs11.ObjectClass

        def listing(session: Any) -> list[str]:
            found = session.get_objects(
                {Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.LABEL: self.key_label}
            )
            return sorted(bytes(o[Attribute.ID]).hex() for o in found)

        return self._with_session(listing)

    def generate_key(self, taken: Collection[str] = ()) -> TokenKey:
        """A new AES-256 key made on the token, under an id neither it nor ``taken`` uses."""
        pkcs11 = _library()
        on_token = set(self.key_ids())
        key_id = os.urandom(4).hex()
        while key_id in on_token or key_id in taken:
            key_id = os.urandom(4).hex()

        def generate(session: Any) -> None:
            session.generate_key(
                pkcs11.KeyType.AES,
                256,
                id=bytes.fromhex(key_id),
                label=self.key_label,
                store=True,
                capabilities=pkcs11.MechanismFlag.ENCRYPT | pkcs11.MechanismFlag.DECRYPT,
                template={
                    pkcs11.Attribute.SENSITIVE: True,
                    pkcs11.Attribute.EXTRACTABLE: False,
                    pkcs11.Attribute.PRIVATE: True,
                },
            )

        self._with_session(generate)
        return self.key(key_id)

    def encrypt(self, key_id: str, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        pkcs11 = _library()
        params = pkcs11.mechanisms.GCMParams(nonce, aad, 128)
        return bytes(
            self._call(
                key_id,
                lambda key: key.encrypt(
                    plaintext, mechanism=pkcs11.Mechanism.AES_GCM, mechanism_param=params
                ),
            )
        )

    def decrypt(self, key_id: str, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        pkcs11 = _library()
        errors = pkcs11.exceptions
        params = pkcs11.mechanisms.GCMParams(nonce, aad, 128)
        try:
            return bytes(
                self._call(
                    key_id,
                    lambda key: key.decrypt(
                        ciphertext, mechanism=pkcs11.Mechanism.AES_GCM, mechanism_param=params
                    ),
                    passthrough=(
                        errors.EncryptedDataInvalid,
                        errors.EncryptedDataLenRange,
                        errors.DataInvalid,
                        errors.DataLenRange,
                        errors.GeneralError,
                        errors.FunctionFailed,
                    ),
                )
            )
        except pkcs11.PKCS11Error:
            # Tokens report a failed GCM tag check in several ways (SoftHSM2: CKR_GENERAL_ERROR).
            raise InvalidTag from None

    # The session -----------------------------------------------------------------------------

    def _call(
        self,
        key_id: str,
        operation: Callable[[Any], T],
        passthrough: tuple[type[BaseException], ...] = (),
    ) -> T:
        pkcs11 = _library()

        def with_key(session: Any) -> T:
            key = self._objects.get(key_id)
            if key is None:
                try:
                    key = session.get_key(
                        object_class=pkcs11.ObjectClass.SECRET_KEY,
                        key_type=pkcs11.KeyType.AES,
                        label=self.key_label,
                        id=bytes.fromhex(key_id),
                    )
                except pkcs11.NoSuchKey:
                    raise KeyringError(
                        f"The PKCS#11 token {self.token_label!r} holds no key {key_id} "
                        f"(label {self.key_label!r}); the data needs that key."
                    ) from None
                except pkcs11.MultipleObjectsReturned:
                    raise KeyringError(
                        f"The PKCS#11 token {self.token_label!r} holds several keys with id "
                        f"{key_id} and label {self.key_label!r}; remove all but one."
                    ) from None
                self._objects[key_id] = key
            return operation(key)

        return self._with_session(with_key, passthrough)

    def _with_session(
        self, operation: Callable[[Any], T], passthrough: tuple[type[BaseException], ...] = ()
    ) -> T:
        pkcs11 = _library()
        errors = pkcs11.exceptions
        lost = (
            errors.SessionHandleInvalid,
            errors.SessionClosed,
            errors.ObjectHandleInvalid,
            errors.KeyHandleInvalid,
            errors.DeviceRemoved,
            errors.TokenNotPresent,
            errors.UserNotLoggedIn,
        )
        with self._lock:
            for attempt in (1, 2):
                try:
                    return operation(self._open_session())
                except KeyringError:
                    raise
                except passthrough:
                    raise
                except lost as error:
                    # A restarted token or a forked process: open a new session once.
                    self._forget()
                    if attempt == 2:
                        raise KeyringError(
                            f"The PKCS#11 token {self.token_label!r} failed: "
                            f"{type(error).__name__}."
                        ) from None
                except pkcs11.PKCS11Error as error:
                    raise KeyringError(
                        f"The PKCS#11 token {self.token_label!r} failed: {type(error).__name__}."
                    ) from None
        raise AssertionError("unreachable")

    def _open_session(self) -> Any:
        pkcs11 = _library()
        if self._pid != os.getpid():
            if self._lib is not None:
                # PKCS#11 sessions do not survive a fork: the child starts the library afresh.
                self._lib.reinitialize()
            self._forget()
            self._pid = os.getpid()
        if self._session is not None:
            return self._session
        try:
            self._lib = pkcs11.lib(self.module)
        except (OSError, RuntimeError) as error:
            raise KeyringError(
                f"The PKCS#11 module {self.module} cannot be loaded: {error}."
            ) from None
        try:
            token = self._lib.get_token(token_label=self.token_label)
        except pkcs11.NoSuchToken:
            raise KeyringError(
                f"No PKCS#11 token labelled {self.token_label!r} in {self.module}."
            ) from None
        try:
            self._session = token.open(user_pin=self._pin, rw=True)
        except pkcs11.exceptions.UserAlreadyLoggedIn:
            # A login holds for the whole process: another session of ours logged in already.
            self._session = token.open(rw=True)
        except (pkcs11.exceptions.PinIncorrect, pkcs11.exceptions.PinLenRange):
            raise KeyringError(
                f"The PKCS#11 token {self.token_label!r} refused the PIN "
                "(SPAREKEY_PKCS11_PIN or SPAREKEY_PKCS11_PIN_FILE)."
            ) from None
        except pkcs11.exceptions.PinLocked:
            raise KeyringError(
                f"The PIN of the PKCS#11 token {self.token_label!r} is locked."
            ) from None
        return self._session

    def _forget(self) -> None:
        self._session = None
        self._objects = {}


class TokenKey:
    """A master key on the token: seals and opens through it, holds no key material."""

    kind = KIND

    def __init__(self, token: Pkcs11Token, key_id: str) -> None:
        self.token = token
        self._id = key_id

    @property
    def id(self) -> str:
        return self._id

    def __repr__(self) -> str:
        return f"<TokenKey {self._id} on {self.token.token_label!r}>"

    def encrypt(self, nonce: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
        return self.token.encrypt(self._id, nonce, plaintext, associated_data)

    def decrypt(self, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
        return self.token.decrypt(self._id, nonce, ciphertext, associated_data)
