"""KMS: RSA signing keys whose private half never leaves KMS."""

from __future__ import annotations

import hashlib

from .aws import client

SIGNING_ALGORITHM = "RSASSA_PKCS1_V1_5_SHA_256"  # = JWS RS256


def create_rsa_signing_key(description: str) -> str:
    """Local set-up and tests only; a deployment's key comes from infra/."""
    meta = client("kms").create_key(Description=description, KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")
    return meta["KeyMetadata"]["Arn"]


def public_key_der(key_id: str) -> bytes:
    return client("kms").get_public_key(KeyId=key_id)["PublicKey"]


def sign_rs256(key_id: str, message: bytes) -> bytes:
    """One kms:Sign over the SHA-256 digest (DIGEST mode has no 4 KiB message limit)."""
    digest = hashlib.sha256(message).digest()
    response = client("kms").sign(KeyId=key_id, Message=digest, MessageType="DIGEST",
                                  SigningAlgorithm=SIGNING_ALGORITHM)
    return response["Signature"]
