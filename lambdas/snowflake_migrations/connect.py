"""Key-pair login to Snowflake, shared by the custom resource handler and the command line.

Credentials come either from a Secrets Manager secret in the shape Firehose reads
(``{"user", "private_key", "key_passphrase"?}``, the key being the PKCS#8 body without header,
footer or newlines) or from a PEM key file. Both end up as PKCS#8 DER bytes handed to the
connector, which decrypts them with the passphrase when there is one.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

import snowflake.connector

from lambdas.snowflake_migrations.scripts import validate_identifier

APPLICATION = "retail-pos-pipeline-migrations"
LOGIN_TIMEOUT_SECONDS = 60
# Account identifier (orgname-account, or locator[.region[.cloud]]) or a full account URL.
_ACCOUNT = re.compile(
    r"^(?:https://)?(?P<id>[A-Za-z0-9][A-Za-z0-9._-]*?)(?:\.snowflakecomputing\.com)?/?$"
)


class CredentialsError(ValueError):
    """The secret or key file is not a usable key pair; never carries the key itself."""


@dataclass(frozen=True)
class KeyPair:
    user: str
    private_key_der: bytes = field(repr=False)
    passphrase: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_secret_string(cls, secret_string: str) -> KeyPair:
        try:
            secret = json.loads(secret_string)
        except json.JSONDecodeError:
            raise CredentialsError("the secret is not JSON") from None
        if not isinstance(secret, dict) or not {"user", "private_key"} <= secret.keys():
            raise CredentialsError('the secret must be JSON with "user" and "private_key"')
        body = "".join(str(secret["private_key"]).split())
        try:
            der = base64.b64decode(body, validate=True)
        except binascii.Error:
            raise CredentialsError(
                '"private_key" must be the base64 PKCS#8 body, without BEGIN/END lines'
            ) from None
        passphrase = secret.get("key_passphrase") or None
        return cls(
            user=str(secret["user"]),
            private_key_der=der,
            passphrase=passphrase.encode("utf-8") if passphrase else None,
        )

    @classmethod
    def from_pem(cls, user: str, pem: bytes, passphrase: str | None) -> KeyPair:
        """A PKCS#8 PEM file (encrypted or not): its body is the base64 of the DER key."""
        lines = pem.decode("ascii", errors="strict").strip().splitlines()
        if not lines or not lines[0].startswith("-----BEGIN") or "PRIVATE KEY" not in lines[0]:
            raise CredentialsError("the key file is not a PEM private key (PKCS#8)")
        body = "".join(line.strip() for line in lines if not line.startswith("-----"))
        return cls(
            user=user,
            private_key_der=base64.b64decode(body),
            passphrase=passphrase.encode("utf-8") if passphrase else None,
        )


def account_and_host(account: str) -> tuple[str, str]:
    """``(account identifier, host)`` from an identifier or an account URL."""
    match = _ACCOUNT.fullmatch(account.strip())
    if match is None:
        raise ValueError(f"{account!r} is not a Snowflake account identifier or URL")
    identifier = match["id"].lower()
    return identifier, f"{identifier}.snowflakecomputing.com"


def connect(
    *,
    account: str,
    key_pair: KeyPair,
    role: str,
    warehouse: str | None,
    database: str,
    application: str = APPLICATION,
) -> Any:
    """Open a session as ``key_pair.user`` with ``role``; autocommit, as schemachange runs.

    ``application`` names the caller in Snowflake's query history (also the session's query tag).
    """
    identifier, host = account_and_host(account)
    return snowflake.connector.connect(
        account=identifier,
        host=host,
        user=key_pair.user,
        authenticator="SNOWFLAKE_JWT",
        private_key=key_pair.private_key_der,
        private_key_passphrase=key_pair.passphrase,
        role=validate_identifier("role", role),
        warehouse=validate_identifier("warehouse", warehouse) if warehouse else None,
        database=validate_identifier("database", database),
        application=application,
        login_timeout=LOGIN_TIMEOUT_SECONDS,
        session_parameters={"QUERY_TAG": application},
    )
