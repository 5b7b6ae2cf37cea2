"""Field encryption for identifying data at rest (AES-GCM) and keyed hashes for looking it up.

Both keys are derived from the one secret (`ensure_secret_key(config)`), with different HKDF
labels, so that a leaked lookup hash never helps decrypt and rotating the secret rotates both.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.config import Config, ensure_secret_key

# A stored token starts with its scheme version, so that a future scheme can read old rows.
_VERSION = "v1"
_NONCE_BYTES = 12


class DecryptionError(ValueError):
    """A stored value cannot be decrypted with this key (wrong key, or the value was altered)."""


def derive_key(secret: str, label: bytes) -> bytes:
    """A 32-byte key for one purpose (`label`), derived from the deployment's secret."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"wenzhen", info=label).derive(
        secret.encode("utf-8")
    )


def normalise(value: str) -> str:
    """The form a value is hashed in: full-width folded, spaces dropped, upper case (ID cards end in X)."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


class FieldCipher:
    """Encrypts and decrypts single text fields, and computes their lookup hashes."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the field cipher needs a non-empty secret")
        self._aead = AESGCM(derive_key(secret, b"wenzhen field encryption v1"))
        self._hash_key = derive_key(secret, b"wenzhen lookup hash v1")

    def encrypt(self, plaintext: str, context: str = "") -> str:
        """A fresh nonce per value; `context` (e.g. the column name) is bound as associated data."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8") or None)
        return f"{_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str, context: str = "") -> str:
        version, _, body = token.partition(":")
        if version != _VERSION or not body:
            raise DecryptionError("not a wenzhen encrypted value")
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode("utf-8") or None)
        except (InvalidTag, ValueError) as exc:
            raise DecryptionError("the value cannot be decrypted with this key") from exc
        return plain.decode("utf-8")

    def lookup_hash(self, value: str) -> str:
        """A keyed hash of the normalised value: equal inputs match, and it reveals nothing without the key."""
        return hmac.new(self._hash_key, normalise(value).encode("utf-8"), hashlib.sha256).hexdigest()


def field_cipher(config: Config) -> FieldCipher:
    """The cipher for this deployment's secret key."""
    return FieldCipher(ensure_secret_key(config))


# What a sealed answer is bound to: a sealed value cannot be passed off as any other encrypted field.
_SEALED = "sensitive_answer"


def seal_answer(cipher: FieldCipher, text: str) -> str:
    """Encrypt the answer to an identifying question, so the event log never holds it in clear."""
    return cipher.encrypt(text, _SEALED)


def open_answer(cipher: FieldCipher, value: str) -> str:
    """The answer in clear (a value that was never sealed is returned as it is)."""
    try:
        return cipher.decrypt(value, _SEALED)
    except DecryptionError:
        return value
