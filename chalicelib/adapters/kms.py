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
    """The key's public half (DER). ValueError when KMS holds it for another use than
    RS256 signing (an encryption key, or a signing key without RSASSA_PKCS1_V1_5_SHA_256):
    registering it would break every issuance at its first kms:Sign."""
    answer = client("kms").get_public_key(KeyId=key_id)
    if answer.get("KeyUsage") != "SIGN_VERIFY" or SIGNING_ALGORITHM not in answer.get("SigningAlgorithms", []):
        raise ValueError(f"the KMS key is not a {SIGNING_ALGORITHM} signing key (usage {answer.get('KeyUsage')})")
    return answer["PublicKey"]


RAW_LIMIT = 4096  # KMS signs at most 4 KiB of raw message


def sign_rs256(key_id: str, message: bytes) -> bytes:
    """One kms:Sign. Messages up to 4 KiB go RAW; longer ones as their SHA-256 DIGEST
    (same signature on real KMS; moto ignores DIGEST and hashes again, so tests
    exercise the RAW path)."""
    if len(message) <= RAW_LIMIT:
        kwargs = {"Message": message, "MessageType": "RAW"}
    else:
        kwargs = {"Message": hashlib.sha256(message).digest(), "MessageType": "DIGEST"}
    return client("kms").sign(KeyId=key_id, SigningAlgorithm=SIGNING_ALGORITHM, **kwargs)["Signature"]
