"""Field encryption and blind indexes behind one provider interface (密评: GB/T 39786 §8.4).

Personal fields such as 身份证号 and phone numbers are stored encrypted with SM4-GCM under a
data key per tenant; exact-match lookup and de-duplication use a keyed blind index
(HMAC-SM3) instead of decrypting. Everything goes through a :class:`CryptoProvider`, so a
deployment can swap :class:`SoftwareGmProvider` (``cryptography``'s SM3/SM4, for development,
CI and small installations) for one backed by the bureau's 服务器密码机 without touching the
models: set ``app.extensions["fatong.crypto"]`` to it before the first request.

Keys. The master key is ``MASTER_KEY`` in the config (``FATONG_MASTER_KEY`` in the
environment; by default generated once into ``instance/master_key``, mode 0600). Per tenant,
HKDF-SM3 derives two independent keys from it, the ``info`` naming the tenant id and the
purpose: a 128-bit SM4 data key and a 256-bit HMAC-SM3 index key. Losing the master key loses
every encrypted field, so it belongs in the backup plan, away from the database backups.

Ciphertext format, stored as base64 text::

    b"v1" | nonce (12 bytes, random) | ciphertext | GCM tag (16 bytes)

The associated data binds tenant id, table, column and row id, so a value copied into
another tenant, another column or another row fails authentication instead of decrypting.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app

FORMAT_V1 = b"v1"
NONCE_BYTES = 12  # the GCM standard nonce; random per encryption
TAG_BYTES = 16
SM4_KEY_BYTES = 16
INDEX_KEY_BYTES = 32
MIN_MASTER_KEY_CHARS = 32
# A fixed, public HKDF salt: it separates Fatong's derivations from any other use of the same
# master key; the secrecy is all in the master key.
HKDF_SALT = b"fatong.crypto.v1"
EXTENSION_KEY = "fatong.crypto"

_WHITESPACE_RE = re.compile(r"\s+")


class CryptoError(Exception):
    """The provider cannot do what was asked (bad key, unusable configuration)."""


class DecryptionFailed(CryptoError):
    """The ciphertext is malformed, of an unknown version, or bound to another context."""


@dataclass(frozen=True)
class FieldContext:
    """Where an encrypted value lives; it becomes the GCM associated data."""

    tenant_id: int
    table: str
    column: str
    row_id: int

    def aad(self) -> bytes:
        return f"fatong-field|v1|{self.tenant_id}|{self.table}|{self.column}|{self.row_id}".encode()


def normalise_for_index(value: str) -> str:
    """What the blind index hashes: no whitespace at all, upper case (a typed ``x`` = ``X``)."""
    return _WHITESPACE_RE.sub("", value).upper()


@runtime_checkable
class CryptoProvider(Protocol):
    """The interface models and services use; implementations hold the keys."""

    def encrypt_field(self, plaintext: str, context: FieldContext) -> str:
        """Encrypt ``plaintext`` for ``context``; returns ASCII text for a String column."""

    def decrypt_field(self, token: str, context: FieldContext) -> str:
        """The plaintext, or :class:`DecryptionFailed` if ``token`` was not made for ``context``."""

    def blind_index(self, value: str, *, tenant_id: int, purpose: str) -> str:
        """A keyed hash of ``normalise_for_index(value)`` for equality lookup (hex text).

        Equal normalised values give equal indexes within one tenant and ``purpose`` (e.g.
        ``people.id_number``); across tenants or purposes they differ.
        """


class SoftwareGmProvider:
    """SM4-GCM and HMAC-SM3 in process, with keys derived from the configured master key."""

    def __init__(self, master_key: str | bytes) -> None:
        if isinstance(master_key, str):
            master_key = master_key.encode("utf-8")
        if len(master_key) < MIN_MASTER_KEY_CHARS:
            raise CryptoError(
                f"MASTER_KEY must be at least {MIN_MASTER_KEY_CHARS} characters of random data")
        self._master = master_key
        self._keys: dict[tuple[str, int], bytes] = {}
        # Per tenant, built once: the cipher algorithm and the keyed MAC each call copies
        # (seed-scale encrypts millions of fields; every page with people decrypts some).
        self._ciphers: dict[int, algorithms.SM4] = {}
        self._macs: dict[int, hmac.HMAC] = {}

    def _derive(self, purpose: str, tenant_id: int, length: int) -> bytes:
        key = self._keys.get((purpose, tenant_id))
        if key is None:
            info = f"fatong|{purpose}|tenant:{tenant_id}".encode()
            key = HKDF(algorithm=hashes.SM3(), length=length, salt=HKDF_SALT,
                       info=info).derive(self._master)
            self._keys[(purpose, tenant_id)] = key
        return key

    def data_key(self, tenant_id: int) -> bytes:
        return self._derive("sm4-gcm-data-key", tenant_id, SM4_KEY_BYTES)

    def index_key(self, tenant_id: int) -> bytes:
        return self._derive("hmac-sm3-blind-index", tenant_id, INDEX_KEY_BYTES)

    def _cipher(self, tenant_id: int) -> algorithms.SM4:
        cipher = self._ciphers.get(tenant_id)
        if cipher is None:
            cipher = self._ciphers[tenant_id] = algorithms.SM4(self.data_key(tenant_id))
        return cipher

    def encrypt_field(self, plaintext: str, context: FieldContext) -> str:
        nonce = os.urandom(NONCE_BYTES)
        encryptor = Cipher(self._cipher(context.tenant_id), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(context.aad())
        body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
        raw = FORMAT_V1 + nonce + body + encryptor.tag
        return base64.b64encode(raw).decode("ascii")

    def decrypt_field(self, token: str, context: FieldContext) -> str:
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptionFailed("ciphertext is not base64") from exc
        if not raw.startswith(FORMAT_V1):
            raise DecryptionFailed("unknown ciphertext version")
        body = raw[len(FORMAT_V1):]
        if len(body) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionFailed("ciphertext too short")
        nonce, ciphertext, tag = body[:NONCE_BYTES], body[NONCE_BYTES:-TAG_BYTES], body[-TAG_BYTES:]
        decryptor = Cipher(self._cipher(context.tenant_id), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(context.aad())
        try:
            plaintext = decryptor.update(ciphertext) + decryptor.finalize()
        except InvalidTag as exc:
            raise DecryptionFailed("ciphertext does not belong to this field") from exc
        return plaintext.decode("utf-8")

    def blind_index(self, value: str, *, tenant_id: int, purpose: str) -> str:
        base = self._macs.get(tenant_id)
        if base is None:
            base = self._macs[tenant_id] = hmac.HMAC(self.index_key(tenant_id), hashes.SM3())
        mac = base.copy()
        # The purpose is inside the MAC too, so an ID number's index never equals the index
        # of a phone field holding the same characters.
        mac.update(purpose.encode("utf-8") + b"\x00" + normalise_for_index(value).encode("utf-8"))
        return mac.finalize().hex()


def init_crypto(app: Flask) -> CryptoProvider:
    """The app's provider: the one already installed, else software SM3/SM4 on MASTER_KEY."""
    provider = app.extensions.get(EXTENSION_KEY)
    if provider is None:
        master = app.config.get("MASTER_KEY")
        if not master:
            raise CryptoError("MASTER_KEY is not configured")
        provider = SoftwareGmProvider(str(master))
        app.extensions[EXTENSION_KEY] = provider
    return provider


def crypto_provider() -> CryptoProvider:
    """The current app's provider (created on first use)."""
    return init_crypto(current_app._get_current_object())  # type: ignore[attr-defined]
