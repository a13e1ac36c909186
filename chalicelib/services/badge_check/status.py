"""Status lists (Bitstring Status List) that say whether a credential was revoked.

A list is itself a verifiable credential, secured either with a Data Integrity proof
(JSON-LD) or as a VC-JWT; the verifier reads both and trusts a list only after its own
securing verifies. Bitstring Status List v1.0's validation algorithm verifies the status
list credential's proofs first and ends in a STATUS_VERIFICATION_ERROR when they fail
(paraphrased; the DCC implementation, @digitalcredentials/vc-bitstring-status-list, throws
'"BitstringStatusListCredential" not verified'). Here that is a failed "status list"
check: a list that cannot vouch for itself says nothing about revocation, so the verdict
is invalid, never "not revoked".
"""

from __future__ import annotations

import json
from typing import Any

from ...openbadges import ob3
from .fetching import get, json_object
from .report import Failed, Report

MAX_STATUS_ENTRIES = 4


def check_status(vc: dict, report: Report) -> None:
    status = vc.get("credentialStatus")
    if not status:
        report.check("revocation", True, "no status list declared")
        return
    entries = status if isinstance(status, list) else [status]
    issuer = vc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    revocation = [e for e in entries if isinstance(e, dict) and e.get("type") == "BitstringStatusListEntry"
                  and e.get("statusPurpose") == "revocation"]
    # Each entry costs fetches from hosts the credential names: a credential that names more
    # lists than any issuer needs is refused instead of read (one /verify, a bounded amount of work).
    if len(revocation) > MAX_STATUS_ENTRIES:
        report.check("status list", False, f"the credential names {len(revocation)} revocation status entries; "
                                           f"at most {MAX_STATUS_ENTRIES} are read")
        raise Failed
    lists: dict[str, dict] = {}  # each list read (and its securing verified) once
    for entry in revocation:
        url = str(entry.get("statusListCredential", ""))
        if url not in lists:
            lists[url] = _verified_list(url, report)
        listing = lists[url]
        _require(listing.get("issuer") if not isinstance(listing.get("issuer"), dict)
                 else listing["issuer"].get("id"), issuer_id, report,
                 # as @digitalcredentials/vc-bitstring-status-list does ("ensure that the issuer
                 # of the verifiable credential matches the issuer of the statusListCredential")
                 "the status list was not issued by the credential's issuer")
        try:
            subject = listing["credentialSubject"]
            # the entry's purpose must be one the list serves (DCC: 'The status purpose "..." of
            # the status list credential does not match the status purpose "..." in the credential.')
            purposes = subject["statusPurpose"] if isinstance(subject["statusPurpose"], list) \
                else [subject["statusPurpose"]]
            _require("revocation" in purposes, True, report, "the status list is not a revocation list")
            bits = ob3.decode_bits(subject["encodedList"])
            # Bitstring Status List: statusListIndex is "an arbitrary size integer greater than or
            # equal to 0, expressed as a string in base 10"
            index = entry["statusListIndex"]
            if not isinstance(index, str) or not index.isdecimal():
                raise ValueError("statusListIndex is not a non-negative base-10 integer")
            revoked = ob3.bit_is_set(bits, int(index))
        except (KeyError, ValueError, TypeError, IndexError, OSError, EOFError):
            report.check("status list", False, "the status list cannot be read")
            raise Failed from None
        report.revoked = report.revoked or revoked  # any entry that says revoked decides
        report.check("revocation", not revoked,
                     "revoked (status list bit set)" if revoked else "status list: not revoked")


def _require(value: Any, expected: Any, report: Report, detail: str) -> None:
    if value != expected:
        report.check("status list", False, detail)
        raise Failed


def _verified_list(url: str, report: Report) -> dict:
    """The status list credential at `url`, once its own securing verified: a JSON
    document with a Data Integrity proof, or a compact JWS (VC-JWT)."""
    code, body = get(url, report, "status list")
    if code != 200:
        report.check("status list", False, f"the status list answered {code}")
        raise Failed
    text = body.strip()
    if text.startswith(b"{"):
        return _verified_di_list(json_object(text, report, "status list"), report)
    return _verified_jwt_list(text.decode("ascii", "replace"), report)


def _verified_jwt_list(token: str, report: Report) -> dict:
    from joserfc import jwt
    from joserfc.errors import JoseError

    from . import keys

    try:
        header = json.loads(ob3.b64url_decode(token.split(".")[0]))
        payload = json.loads(ob3.b64url_decode(token.split(".")[1]))
    except (ValueError, IndexError):
        header = payload = None
    if not isinstance(header, dict) or not isinstance(payload, dict) or token.count(".") != 2:
        report.check("status list", False, "the status list is neither JSON nor a compact JWS")
        raise Failed
    listing: dict = payload["vc"] if isinstance(payload.get("vc"), dict) else payload
    issuer = listing.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    alg = header.get("alg")
    if alg not in ("RS256", "ES256", "EdDSA") or not isinstance(issuer_id, str):
        report.check("status list", False, f"the status list JWT cannot be checked (alg {alg!r})")
        raise Failed
    scratch = Report()  # the key lookup's own checks are about the list, not the credential
    try:
        jwt.decode(token, keys.jwt_keys(issuer_id, header, scratch), algorithms=[alg])
    except Failed:
        failed = next((c["detail"] for c in scratch.checks if not c["ok"]), "")
        report.check("status list", False, f"the status list's key cannot be found: {failed}")
        raise Failed from None
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        report.check("status list", False, f"the status list's signature does not verify ({type(exc).__name__})")
        raise Failed from None
    report.check("status list", True, f"VC-JWT {alg} with key {header.get('kid')}")
    return listing


def _verified_di_list(listing: dict, report: Report) -> dict:
    from ...openbadges import data_integrity

    proof = listing.get("proof")
    method_id = proof.get("verificationMethod") if isinstance(proof, dict) else None
    if not isinstance(method_id, str) or not method_id:
        report.check("status list", False, "the status list carries no proof")
        raise Failed
    key, controller = _multikey(method_id, report)
    issuer = listing.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not key or controller != issuer_id:
        report.check("status list", False, f"the status list's key {method_id} is not its issuer's")
        raise Failed
    ok, reason = data_integrity.verify_proof(listing, key)
    if not report.check("status list", ok, f"Data Integrity proof: {reason}"):
        raise Failed
    return listing


def _multikey(method_id: str, report: Report) -> tuple[str | None, str | None]:
    """(publicKeyMultibase, controller) of a verification method, retrieved as the verifier
    retrieves a credential's (keys.method: did:key, did:web, a controller document or a key
    document, and listed by its controller for assertions); (None, None) when it cannot be."""
    from . import keys

    try:
        found = keys.method(method_id, Report())  # its checks are about the list, not the credential
    except (keys.KeyError_, Failed):
        return None, None
    return (found.multibase if found.authorized else None), found.controller
