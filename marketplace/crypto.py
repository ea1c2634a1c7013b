"""Protecting personal data at rest: resident ID numbers and phones are stored encrypted (Fernet), with a
keyed hash for uniqueness and look-up, and a masked copy for display.

Keys come from FUDAO_DATA_KEY (a Fernet key) and FUDAO_LOOKUP_KEY; in development both are derived from
SECRET_KEY. Rotating DATA_KEY needs re-encryption; changing LOOKUP_KEY needs re-hashing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import time

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import current_app


def _derived(label: str) -> bytes:
    return hashlib.sha256(f"{label}:{current_app.config['SECRET_KEY']}".encode()).digest()


def _data_key() -> bytes | str:
    return current_app.config.get("DATA_KEY") or base64.urlsafe_b64encode(_derived("fudao-data-key"))


def fernet() -> Fernet:
    """The cipher for personal data; bulk writers take it once and call .encrypt per value."""
    return Fernet(_data_key())


class BulkEncrypter:
    """Fernet ciphers for many values at once, for imports: the key is read once, and a batch is encrypted
    with one AES call per block position instead of one cipher object per value (`Fernet.encrypt` builds an
    AES-CBC context, a padder and an HMAC object for every value: about 8 µs a value, 60,000 values per
    30,000-row import). The tokens are Fernet's own format, byte for byte what `Fernet.encrypt` would give with
    the same IV and timestamp (version 0x80, timestamp, a random IV per value, AES-128-CBC of the
    PKCS7-padded value, HMAC-SHA256), and `Fernet.decrypt` reads them (tests/marketplace/test_crypto.py).

    CBC is built here from the block cipher: the first block of every value is its padded plaintext XOR its
    IV, encrypted; each next block is the plaintext XOR the previous cipher block, encrypted. The values of a
    batch are independent chains, so block n of every value that has one is encrypted in the same AES call
    (the XOR done on the whole batch as one integer). An import runs its batches in the pool's helpers
    (marketplace/imports/pool.py), so they use every core."""

    def __init__(self, key: bytes | str | None = None) -> None:
        raw = base64.urlsafe_b64decode(key if key is not None else _data_key())
        if len(raw) != 32:
            raise ValueError("Fernet key must be 32 url-safe base64-encoded bytes.")
        self.signing_key, self.encryption_key = raw[:16], raw[16:]
        self.cipher = Fernet(base64.urlsafe_b64encode(raw))  # single values, decrypting

    def encrypt(self, values: list[str], *, ivs: bytes | None = None, at: int | None = None) -> list[str]:
        """The Fernet token of each value (`ivs` and `at` fixed only by tests, to compare with Fernet's)."""
        count = len(values)
        if not count:
            return []
        ivs = ivs if ivs is not None else os.urandom(16 * count)
        if len(ivs) != 16 * count:
            raise ValueError("one 16-byte IV per value")
        head = b"\x80" + struct.pack(">Q", int(time.time()) if at is None else at)
        padded = []
        for value in values:
            data = value.encode()
            pad = 16 - len(data) % 16
            padded.append(data + bytes((pad,)) * pad)
        # AES in ECB mode is only the block function here: the chaining (CBC) is done below, per value.
        block = Cipher(algorithms.AES(self.encryption_key), modes.ECB()).encryptor()  # noqa: S305
        bodies: list[bytes] = [b""] * count
        by_length: dict[int, list[int]] = {}
        for n, data in enumerate(padded):
            by_length.setdefault(len(data), []).append(n)
        for length, members in by_length.items():
            previous = b"".join(ivs[16 * n:16 * n + 16] for n in members)
            size = 16 * len(members)
            blocks = []
            for at_ in range(0, length, 16):
                plain = b"".join(padded[n][at_:at_ + 16] for n in members)
                mixed = (int.from_bytes(plain, "big") ^ int.from_bytes(previous, "big")).to_bytes(size, "big")
                previous = block.update(mixed)
                blocks.append(previous)
            for k, n in enumerate(members):
                bodies[n] = b"".join(part[16 * k:16 * k + 16] for part in blocks)
        signing, digest, encode = self.signing_key, hmac.digest, base64.urlsafe_b64encode
        tokens = []
        for n in range(count):
            basic = head + ivs[16 * n:16 * n + 16] + bodies[n]
            tokens.append(encode(basic + digest(signing, basic, "sha256")).decode())
        return tokens


def lookup_hasher():
    """`lookup_hash` with the key taken once (for many values)."""
    key = (current_app.config.get("LOOKUP_KEY") or "").encode() or _derived("fudao-lookup-key")

    def digest(value: str) -> str:
        return hmac.digest(key, value.upper().encode(), "sha256").hex()  # hmac.new(...).hexdigest(), one call

    return digest


def encrypt(value: str | None) -> str | None:
    return None if value is None else fernet().encrypt(value.encode()).decode()


def decrypt(token: str | None) -> str | None:
    if token is None:
        return None
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def lookup_hash(value: str) -> str:
    return lookup_hasher()(value)


def encrypted_phone(prefix: str) -> property:
    """A model's phone kept as three columns, `<prefix>_cipher` (Fernet), `<prefix>_hash` (keyed look-up hash)
    and `<prefix>_masked` (for lists), exposed as one attribute `<prefix>`: reading decrypts (for the holder
    and audited reveals only), assigning fills the three. The value round-trips exactly ("" stays "")."""
    from marketplace.masking import mask_phone

    cipher, digest, masked = f"{prefix}_cipher", f"{prefix}_hash", f"{prefix}_masked"

    def get(obj) -> str | None:
        return decrypt(getattr(obj, cipher))

    def set_(obj, value: str | None) -> None:
        setattr(obj, cipher, encrypt(value))
        setattr(obj, digest, lookup_hash(value) if value else None)
        setattr(obj, masked, None if value is None else mask_phone(value))

    return property(get, set_, doc=f"The full {prefix} (decrypted); stored in {cipher}/{digest}/{masked}.")
