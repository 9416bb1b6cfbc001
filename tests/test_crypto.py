"""The keyring: encryption bound to its place, key ids, rotation seen by other processes."""

from __future__ import annotations

import os
import time

import pytest

from ewn import crypto
from ewn.crypto import Keyring, KeyringError
from ewn.refs import ALPHABET, normalise_reference, pseudonym, report_reference


def test_round_trip_and_context_binding():
    keyring = Keyring.generate()
    token = keyring.encrypt("+254712345678", "identity.phone")
    assert "254712345678" not in token
    assert keyring.decrypt(token, "identity.phone") == "+254712345678"
    with pytest.raises(KeyringError, match="does not open"):
        keyring.decrypt(token, "outbound.to")
    assert token != keyring.encrypt("+254712345678", "identity.phone")  # fresh nonce


def test_lookup_hash_is_keyed_and_stable():
    first, second = Keyring.generate(), Keyring.generate()
    assert first.lookup_hash("+254712345678") == first.lookup_hash("+254712345678")
    assert first.lookup_hash("+254712345678") != second.lookup_hash("+254712345678")


def test_unknown_key_and_garbage_are_clear_errors():
    keyring = Keyring.generate()
    token = Keyring.generate().encrypt("x", "c")
    with pytest.raises(KeyringError, match="is not in the keyring"):
        keyring.decrypt(token, "c")
    with pytest.raises(KeyringError, match="not an EWN ciphertext"):
        keyring.decrypt("plain text", "c")


def test_saved_keyring_is_private_and_loads(tmp_path):
    path = tmp_path / "k.json"
    keyring = Keyring.generate()
    keyring.save(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    loaded = Keyring.load(path)
    assert loaded.decrypt(keyring.encrypt("x", "c"), "c") == "x"


@pytest.mark.parametrize(
    "content", ["", "{}", '{"active": "a", "keys": {}, "lookup_key": ""}', "not json"]
)
def test_malformed_keyring_files(tmp_path, content):
    path = tmp_path / "k.json"
    path.write_text(content)
    with pytest.raises(KeyringError):
        Keyring.load(path)


def test_rotation_by_another_process_is_picked_up(tmp_path, monkeypatch):
    path = tmp_path / "k.json"
    Keyring.generate().save(path)
    running = Keyring.load(path)  # a web or worker process
    rotating = Keyring.load(path)  # `ewn keys rotate`
    new_key = rotating.add_key()
    time.sleep(0.01)
    rotating.save()
    os.utime(path, None)
    # Old processes read values written under the new key at once...
    assert running.decrypt(rotating.encrypt("x", "c"), "c") == "x"
    # ...and write under it once they notice the change.
    monkeypatch.setattr(crypto, "REFRESH_SECONDS", 0.0)
    assert Keyring.key_id_of(running.encrypt("y", "c")) == new_key


def test_references_are_short_unambiguous_and_readable():
    references = {report_reference() for _ in range(2000)}
    assert len(references) > 1990
    for reference in list(references)[:100]:
        code = reference.replace("-", "")
        assert len(code) == 6 and set(code) <= set(ALPHABET)
    assert not set("01OIL5SBZ8U2V") & set(ALPHABET)
    assert normalise_reference("k7q 4mx") == "K7Q-4MX"
    assert pseudonym("ke").startswith("KE-") and len(pseudonym("ke")) == 7
