"""The `eddsa-rdfc-2022` Data Integrity cryptosuite (W3C Data Integrity EdDSA
Cryptosuites v1.0), for signing and verifying Open Badges 3.0 credentials.

Algorithm, as in the specification:

* proof configuration = the proof options (`type` DataIntegrityProof,
  `cryptosuite` eddsa-rdfc-2022, `created`, `verificationMethod`,
  `proofPurpose`) plus the document's `@context`;
* the proof configuration and the document (without `proof`) are each
  canonicalized with RDFC-1.0 and hashed with SHA-256;
* hashData = SHA-256(canonical proof configuration) || SHA-256(canonical document);
* proofValue = multibase base58-btc ("z") of the Ed25519 signature of hashData.

Canonicalization runs in JSON-LD "safe mode": a document using a term its
contexts do not define is refused for signing and fails verification, because
that term would not be covered by the signature while a reader would still see
it. Contexts come only from the vendored set (`jsonld.py`); nothing is fetched.

Pure: no I/O. Where the private key lives (Secrets Manager, KMS, ...) is the
caller's business; it hands in an `Ed25519Signer`.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from . import jsonld

__all__ = [
    "CRYPTOSUITE",
    "MULTIKEY_CONTEXT",
    "PROOF_PURPOSE",
    "PROOF_TYPE",
    "Ed25519Signer",
    "LocalEd25519Signer",
    "add_proof",
    "decode_base58btc",
    "decode_multikey_public_key",
    "encode_base58btc",
    "generate_seed",
    "multikey_document",
    "verify_proof",
]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"

# Multicodec varint prefixes (https://github.com/multiformats/multicodec).
_ED25519_PUB_PREFIX = b"\xed\x01"  # ed25519-pub, 0xed
_ED25519_PRIV_PREFIX = b"\x80\x26"  # ed25519-priv, 0x1300
_SIGNATURE_LENGTH = 64

# XML Schema dateTimeStamp: a dateTime that carries a time zone.
_DATETIME_STAMP = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)

# ---------------------------------------------------------------- base58-btc

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {ch: i for i, ch in enumerate(_B58_ALPHABET)}


def encode_base58btc(data: bytes) -> str:
    """Multibase base58-btc: "z" + base58 (Bitcoin alphabet) of `data`."""
    zeros = len(data) - len(data.lstrip(b"\x00"))
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rem = divmod(number, 58)
        digits.append(_B58_ALPHABET[rem])
    return "z" + "1" * zeros + "".join(reversed(digits))


def decode_base58btc(value: str) -> bytes:
    """Inverse of `encode_base58btc`; raises ValueError on anything else."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("not a multibase base58-btc value (must start with 'z')")
    body = value[1:]
    number = 0
    for ch in body:
        digit = _B58_INDEX.get(ch)
        if digit is None:
            raise ValueError("invalid base58-btc character")
        number = number * 58 + digit
    zeros = len(body) - len(body.lstrip("1"))
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * zeros + raw


# ---------------------------------------------------------------------- keys


@runtime_checkable
class Ed25519Signer(Protocol):
    """Something that signs with one Ed25519 key.

    `key_id` is the verification method URL written into proofs (a Multikey
    document served at that URL, or a fragment of the issuer's document).
    """

    key_id: str

    def sign(self, data: bytes) -> bytes: ...

    def public_key_multibase(self) -> str: ...


def generate_seed() -> bytes:
    """A fresh 32-byte Ed25519 private seed (for storing in Secrets Manager)."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def _public_key_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return encode_base58btc(_ED25519_PUB_PREFIX + raw)


def decode_multikey_public_key(public_key_multibase: str) -> Ed25519PublicKey:
    """Ed25519 public key from its Multikey `publicKeyMultibase`; ValueError if not one."""
    decoded = decode_base58btc(public_key_multibase)
    if len(decoded) != 34 or not decoded.startswith(_ED25519_PUB_PREFIX):
        raise ValueError("publicKeyMultibase is not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


class LocalEd25519Signer:
    """Signs with a private seed held in memory (e.g. read from Secrets Manager)."""

    def __init__(self, seed: bytes, key_id: str) -> None:
        if not isinstance(seed, (bytes, bytearray)) or len(seed) != 32:
            raise ValueError("an Ed25519 private seed is exactly 32 bytes")
        if not key_id:
            raise ValueError("key_id (the verification method URL) is required")
        self._key = Ed25519PrivateKey.from_private_bytes(bytes(seed))
        self.key_id = key_id

    @classmethod
    def from_multibase(cls, secret_key_multibase: str, key_id: str) -> LocalEd25519Signer:
        """From a Multikey `secretKeyMultibase` (multicodec ed25519-priv)."""
        decoded = decode_base58btc(secret_key_multibase)
        if len(decoded) != 34 or not decoded.startswith(_ED25519_PRIV_PREFIX):
            raise ValueError("secretKeyMultibase is not an Ed25519 Multikey secret")
        return cls(decoded[2:], key_id)

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def public_key_multibase(self) -> str:
        return _public_key_multibase(self._key.public_key())

    def __repr__(self) -> str:  # never show key material
        return f"LocalEd25519Signer(key_id={self.key_id!r})"


def multikey_document(key_id: str, controller: str, public_key_multibase: str) -> dict[str, Any]:
    """The Multikey verification method document to publish at `key_id`."""
    decode_multikey_public_key(public_key_multibase)  # refuse anything else
    return {
        "@context": MULTIKEY_CONTEXT,
        "id": key_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public_key_multibase,
    }


# --------------------------------------------------------------- the suite


def _hash_data(
    document: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    loader: jsonld.VendoredDocumentLoader | None,
) -> bytes:
    canonical_document = jsonld.canonize(document, loader=loader, safe=True)
    return _config_hash(json.dumps(proof_config, sort_keys=True), loader) + \
        hashlib.sha256(canonical_document.encode("utf-8")).digest()


@functools.lru_cache(maxsize=64)
def _config_hash(proof_config_json: str, loader: jsonld.VendoredDocumentLoader | None) -> bytes:
    """The proof configuration repeats across a batch (same key, same `created`):
    canonicalise it once."""
    canonical = jsonld.canonize(json.loads(proof_config_json), loader=loader, safe=True)
    return hashlib.sha256(canonical.encode("utf-8")).digest()


def add_proof(
    document: Mapping[str, Any],
    signer: Ed25519Signer,
    created: str,
    *,
    loader: jsonld.VendoredDocumentLoader | None = None,
) -> dict[str, Any]:
    """A copy of `document` with an eddsa-rdfc-2022 `proof` (assertionMethod).

    Raises ValueError for a document that cannot be signed soundly (no
    `@context`, already has a proof, `created` not a dateTimeStamp, terms
    its contexts do not define) and `jsonld.JsonLdError` for contexts that are
    not vendored.
    """
    if not isinstance(document, Mapping) or "@context" not in document:
        raise ValueError("document must be a JSON-LD object with @context")
    if "proof" in document:
        raise ValueError("document already has a proof (proof sets are not supported)")
    if not isinstance(created, str) or not _DATETIME_STAMP.match(created):
        raise ValueError("created must be an XML Schema dateTimeStamp, e.g. 2026-01-01T00:00:00Z")
    unsecured = copy.deepcopy(dict(document))
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": signer.key_id,
        "proofPurpose": PROOF_PURPOSE,
    }
    proof_config = {**proof, "@context": unsecured["@context"]}
    signature = signer.sign(_hash_data(unsecured, proof_config, loader))
    if len(signature) != _SIGNATURE_LENGTH:
        raise ValueError("signer did not return a 64-byte Ed25519 signature")
    proof["proofValue"] = encode_base58btc(signature)
    return {**unsecured, "proof": proof}


def _context_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def verify_proof(
    document_with_proof: Mapping[str, Any],
    public_key_multibase: str,
    *,
    expected_verification_method: str | None = None,
    loader: jsonld.VendoredDocumentLoader | None = None,
) -> tuple[bool, str]:
    """Check an eddsa-rdfc-2022 proof; returns (ok, reason). Never raises.

    `public_key_multibase` is the key the caller resolved for the proof's
    verification method; pass `expected_verification_method` to also require
    that the proof names that method.
    """
    try:
        if not isinstance(document_with_proof, Mapping):
            return False, "document is not a JSON object"
        proof = document_with_proof.get("proof")
        if isinstance(proof, list):
            return False, "proof sets are not supported"
        if not isinstance(proof, Mapping):
            return False, "document has no proof"
        if proof.get("type") != PROOF_TYPE:
            return False, f"proof type is not {PROOF_TYPE}"
        if proof.get("cryptosuite") != CRYPTOSUITE:
            return False, f"cryptosuite is not {CRYPTOSUITE}"
        if proof.get("proofPurpose") != PROOF_PURPOSE:
            return False, f"proofPurpose is not {PROOF_PURPOSE}"
        method = proof.get("verificationMethod")
        if not isinstance(method, str) or not method:
            return False, "proof has no verificationMethod"
        if expected_verification_method is not None and method != expected_verification_method:
            return False, "proof names a different verificationMethod"
        created = proof.get("created")
        if created is not None and (not isinstance(created, str) or not _DATETIME_STAMP.match(created)):
            return False, "proof created is not a dateTimeStamp"
        proof_value = proof.get("proofValue")
        if not isinstance(proof_value, str):
            return False, "proof has no proofValue"
        try:
            signature = decode_base58btc(proof_value)
        except ValueError:
            return False, "proofValue is not multibase base58-btc"
        if len(signature) != _SIGNATURE_LENGTH:
            return False, "proofValue is not a 64-byte Ed25519 signature"
        try:
            public_key = decode_multikey_public_key(public_key_multibase)
        except ValueError:
            return False, "public key is not an Ed25519 Multikey"

        unsecured = {k: v for k, v in document_with_proof.items() if k != "proof"}
        if "@context" not in unsecured:
            return False, "document has no @context"
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        if "@context" in options:
            # The document's contexts must start with the proof's, in order.
            proof_ctx = _context_list(options["@context"])
            doc_ctx = _context_list(unsecured["@context"])
            if doc_ctx[: len(proof_ctx)] != proof_ctx:
                return False, "proof @context does not match the document"
            unsecured["@context"] = options["@context"]
        proof_config = {**options, "@context": unsecured["@context"]}
        try:
            hash_data = _hash_data(unsecured, proof_config, loader)
        except jsonld.UndefinedTermsError as exc:
            return False, f"document uses undefined terms: {', '.join(exc.terms)}"
        except jsonld.JsonLdError:
            return False, "document could not be canonicalized with the vendored contexts"
        try:
            public_key.verify(signature, hash_data)
        except InvalidSignature:
            return False, "signature does not match"
        return True, "ok"
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"
        return False, f"could not verify: {type(exc).__name__}"
