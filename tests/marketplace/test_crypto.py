"""crypto.BulkEncrypter (Fernet tokens for a batch) and the look-up hasher."""

import hashlib
import hmac

import pytest
from cryptography.fernet import Fernet

from marketplace import crypto

VALUES = ["11010519491231002X", "13800138000", "", "a" * 15, "b" * 16, "c" * 17, "汉字" * 20, "x" * 47, "13800138000"]


def test_batch_tokens_decrypt_and_differ():
    key = Fernet.generate_key()
    tokens = crypto.BulkEncrypter(key).encrypt(VALUES)
    assert [Fernet(key).decrypt(token.encode()).decode() for token in tokens] == VALUES
    assert tokens[1] != tokens[-1]  # the same value twice: a fresh IV each time
    assert crypto.BulkEncrypter(key).encrypt([]) == []


def test_batch_uses_the_apps_data_key(app):
    with app.app_context():
        tokens = crypto.BulkEncrypter().encrypt(["13800138000", "11010519491231002X"])
        assert [crypto.decrypt(token) for token in tokens] == ["13800138000", "11010519491231002X"]


def test_bad_key_refused():
    with pytest.raises(ValueError):
        crypto.BulkEncrypter(b"c2hvcnQ=")


def test_lookup_hasher_is_hmac_sha256_of_the_upper_value(app):
    with app.app_context():
        digest = crypto.lookup_hasher()
        key = (app.config.get("LOOKUP_KEY") or "").encode() or crypto._derived("fudao-lookup-key")
        assert digest("11010519491231002x") == hmac.new(key, b"11010519491231002X", hashlib.sha256).hexdigest()
        assert crypto.lookup_hash("13800138000") == digest("13800138000")
