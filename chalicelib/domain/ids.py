"""Identifiers and secrets.

Public identifiers carry at least 128 random bits; secrets (API keys, claim tokens)
are handed out once and stored only as SHA-256 hashes. A SHA-256 of a 160-bit random
secret needs no salt or slow hash: it cannot be brute-forced.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

_B32 = re.compile(r"^[a-z2-7]+$")
TENANT_ID = re.compile(r"^[0-9a-f]{16}$")
LOCAL_ID = re.compile(r"^[0-9a-f]{16}$")
RANDOM_PART = re.compile(r"^[a-z2-7]{32}$")


def random_token(nbytes: int = 20) -> str:
    """Lower-case base32 of `nbytes` random bytes (20 bytes = 160 bits = 32 chars)."""
    return base64.b32encode(secrets.token_bytes(nbytes)).decode().rstrip("=").lower()


def new_tenant_id() -> str:
    return secrets.token_hex(8)


def new_local_id() -> str:
    """Ids that live under a tenant's partition (templates, API keys)."""
    return secrets.token_hex(8)


def new_credential_id(tenant_id: str) -> str:
    """`<tenant>-<160 random bits>`: opaque, unguessable, and it names its partition,
    so both the issuer API and the public page resolve it with one GetItem."""
    return f"{tenant_id}-{random_token()}"


def split_credential_id(credential_id: str) -> tuple[str, str] | None:
    tenant, sep, rand = credential_id.partition("-")
    if not sep or not TENANT_ID.match(tenant) or not RANDOM_PART.match(rand):
        return None
    return tenant, rand


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_hash(email: str) -> str:
    """Index key for a recipient; never the address itself."""
    return sha256_hex("laurel:email:" + normalize_email(email))
