"""Encryption of personal data at rest, and keyed lookup hashes.

Phone numbers and the raw provider parameters that carry them (From, WaId, ProfileName) are
stored only encrypted (AES-256-GCM). Each ciphertext names the key that made it, so keys can be
rotated: new data uses the active key, old data stays readable until `ewn keys rotate` re-encrypts
it. Lookups ("which monitor sent this?") use an HMAC-SHA256 of the E.164 number under a separate
lookup key, so the database never holds a number in a form that can be reversed without keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = 1
_PREFIX = "e1"
# How often a running process looks for a rotated keyring file (seconds).
REFRESH_SECONDS = 10.0


class KeyringError(Exception):
    """The keyring is missing, malformed, or cannot open a ciphertext."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key_id() -> str:
    return datetime.now(UTC).strftime("k%Y%m%d") + secrets.token_hex(2)


@dataclass
class Keyring:
    """Data keys by id, the active one, and the lookup key."""

    active: str
    keys: dict[str, bytes]
    lookup_key: bytes
    demo: bool = False
    path: Path | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _checked: float = field(default_factory=time.monotonic, repr=False)
    _mtime: float = field(default=0.0, repr=False)
    _ciphers: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ persistence

    @classmethod
    def generate(cls, demo: bool = False) -> Keyring:
        key_id = new_key_id()
        return cls(
            active=key_id,
            keys={key_id: AESGCM.generate_key(bit_length=256)},
            lookup_key=secrets.token_bytes(32),
            demo=demo,
        )

    @classmethod
    def load(cls, path: Path | str) -> Keyring:
        path = Path(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyringError(f"{path}: keyring file not found") from None
        except (OSError, ValueError) as exc:
            raise KeyringError(f"{path}: not a readable keyring ({exc})") from None
        try:
            keys = {kid: _unb64(value) for kid, value in document["keys"].items()}
            keyring = cls(
                active=document["active"],
                keys=keys,
                lookup_key=_unb64(document["lookup_key"]),
                demo=bool(document.get("demo", False)),
                path=path,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise KeyringError(f"{path}: malformed keyring ({exc!r})") from None
        if keyring.active not in keyring.keys:
            raise KeyringError(f"{path}: active key {keyring.active!r} is not in keys")
        keyring._mtime = path.stat().st_mtime
        if any(len(key) != 32 for key in keys.values()) or len(keyring.lookup_key) < 32:
            raise KeyringError(f"{path}: keys must be 32 bytes")
        return keyring

    def save(self, path: Path | str | None = None) -> None:
        """Write the keyring atomically, readable by its owner only."""
        path = Path(path or self.path)
        document = {
            "format": FORMAT,
            "demo": self.demo,
            "active": self.active,
            "keys": {kid: _b64(key) for kid, key in self.keys.items()},
            "lookup_key": _b64(self.lookup_key),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        self.path = path
        self._mtime = path.stat().st_mtime

    def add_key(self) -> str:
        """Add a new data key and make it the active one."""
        key_id = new_key_id()
        while key_id in self.keys:
            key_id = new_key_id()
        self.keys[key_id] = AESGCM.generate_key(bit_length=256)
        self.active = key_id
        return key_id

    def _reload(self) -> None:
        # Another process may have rotated keys since we started: read the file once more.
        if self.path is None:
            return
        with self._lock:
            fresh = Keyring.load(self.path)
            self.keys.update(fresh.keys)
            self.active, self._mtime = fresh.active, fresh._mtime

    def _refresh(self) -> None:
        """Pick up a rotation made by `ewn keys rotate` in another process."""
        now = time.monotonic()
        if self.path is None or now - self._checked < REFRESH_SECONDS:
            return
        self._checked = now
        try:
            changed = self.path.stat().st_mtime != self._mtime
        except OSError:
            return
        if changed:
            self._reload()

    # ------------------------------------------------------------------ use

    def encrypt(self, plaintext: str | bytes, context: str) -> str:
        """Encrypt under the active key; context (e.g. "identity.phone") binds it to its place."""
        self._refresh()
        data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
        nonce = os.urandom(12)
        sealed = self._cipher(self.active).encrypt(nonce, data, context.encode())
        return f"{_PREFIX}.{self.active}.{_b64(nonce + sealed)}"

    def decrypt_bytes(self, token: str, context: str) -> bytes:
        try:
            prefix, key_id, payload = token.split(".", 2)
        except ValueError:
            raise KeyringError("not an EWN ciphertext") from None
        if prefix != _PREFIX:
            raise KeyringError(f"unknown ciphertext format {prefix!r}")
        if key_id not in self.keys:
            self._reload()
        if key_id not in self.keys:
            raise KeyringError(f"key {key_id!r} is not in the keyring")
        raw = _unb64(payload)
        try:
            return self._cipher(key_id).decrypt(raw[:12], raw[12:], context.encode())
        except InvalidTag:
            raise KeyringError("ciphertext does not open (wrong key or context)") from None

    def decrypt(self, token: str, context: str) -> str:
        return self.decrypt_bytes(token, context).decode("utf-8")

    def _cipher(self, key_id: str) -> AESGCM:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            cipher = self._ciphers[key_id] = AESGCM(self.keys[key_id])
        return cipher

    @staticmethod
    def key_id_of(token: str) -> str:
        return token.split(".", 2)[1]

    def lookup_hash(self, value: str) -> str:
        """Keyed hash for equality lookups (of an E.164 number, say)."""
        digest = hmac.new(self.lookup_key, value.encode("utf-8"), hashlib.sha256).digest()
        return _b64(digest)


def demo_keyring(data_dir: Path) -> Keyring:
    """The embedded default's keyring, generated on first use in data_dir."""
    path = data_dir / "demo-keyring.json"
    if path.exists():
        return Keyring.load(path)
    keyring = Keyring.generate(demo=True)
    keyring.save(path)
    return keyring


def open_keyring(settings) -> Keyring:
    """The keyring the settings name; refuse demo keys outside demo mode."""
    if settings.demo and not settings.keyring_file:
        return demo_keyring(settings.data_path)
    keyring = Keyring.load(settings.path(settings.keyring_file))
    if keyring.demo and not settings.demo:
        raise KeyringError(
            f"{keyring.path}: this is a demo keyring; it is refused outside demo mode "
            "(create a real one with `ewn keys generate FILE`)"
        )
    return keyring
