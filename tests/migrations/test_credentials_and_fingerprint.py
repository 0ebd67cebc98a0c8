"""Fast checks of two pieces mutation testing found unguarded by fast tests: reading the key pair
from its secret (what a person sees when the secret is wrong) and the scripts' fingerprint (the
synthesized-template proof is ``tests/cdk/test_fingerprints.py``; this runs per mutant)."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from lambdas.snowflake_migrations.connect import CredentialsError, KeyPair
from lambdas.snowflake_migrations.scripts import scripts_fingerprint

SCRIPTS = Path(__file__).with_name("scripts")
KEY = base64.b64encode(b"not really a key, but base64").decode()


def test_a_good_secret_gives_the_user_key_and_passphrase() -> None:
    pair = KeyPair.from_secret_string(
        json.dumps(
            {
                "user": "POS_DEPLOY",
                "private_key": f"{KEY[:10]}\n {KEY[10:]}",
                "key_passphrase": "pw",
            }
        )
    )
    assert (pair.user, pair.private_key_der, pair.passphrase) == (
        "POS_DEPLOY",
        b"not really a key, but base64",
        b"pw",
    )
    no_passphrase = KeyPair.from_secret_string(json.dumps({"user": "U", "private_key": KEY}))
    assert no_passphrase.passphrase is None
    assert "not really" not in repr(no_passphrase)  # the key never shows in logs


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("{not json", "the secret is not JSON"),
        ("[1, 2]", 'the secret must be JSON with "user" and "private_key"'),
        ('{"user": "U"}', 'the secret must be JSON with "user" and "private_key"'),
        (
            '{"user": "U", "private_key": "-----BEGIN PRIVATE KEY----- abc"}',
            '"private_key" must be the base64 PKCS#8 body, without BEGIN/END lines',
        ),
    ],
)
def test_a_wrong_secret_says_what_is_wrong(secret: str, message: str) -> None:
    with pytest.raises(CredentialsError) as raised:
        KeyPair.from_secret_string(secret)
    assert str(raised.value) == message


def test_a_pem_file_gives_its_body() -> None:
    pem = f"-----BEGIN PRIVATE KEY-----\n{KEY}\n-----END PRIVATE KEY-----\n".encode()
    assert KeyPair.from_pem("U", pem, None).private_key_der == b"not really a key, but base64"
    with pytest.raises(CredentialsError, match="not a PEM private key"):
        KeyPair.from_pem("U", b"ssh-rsa AAAA", None)


def test_the_fingerprint_follows_every_byte_and_name_of_the_sql_scripts(tmp_path: Path) -> None:
    copy = tmp_path / "scripts"
    shutil.copytree(SCRIPTS, copy)
    baseline = scripts_fingerprint(copy)
    assert baseline == scripts_fingerprint(SCRIPTS)  # where the tree lives does not matter
    (copy / "notes.txt").write_text("not a script")
    assert scripts_fingerprint(copy) == baseline
    for script in sorted(copy.glob("*.sql")):
        original = script.read_bytes()
        script.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        assert scripts_fingerprint(copy) != baseline, script.name
        script.write_bytes(original)
    assert scripts_fingerprint(copy) == baseline
    first = sorted(copy.glob("*.sql"))[0]
    first.rename(copy / f"V99__{first.name.split('__', 1)[1]}")
    assert scripts_fingerprint(copy) != baseline
