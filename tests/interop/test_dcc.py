"""The Digital Credentials Consortium verifier (@digitalcredentials/vc through node,
tests/interop/dcc_verify.mjs) on Laurel's OB 3.0 credentials, status checking on.

It verifies JSON-LD credentials secured with Data Integrity proofs (here
eddsa-rdfc-2022) and Bitstring status lists secured the same way. It has no VC-JWT
verification at all (the library's verifyCredential runs jsonld-signatures proofs
only), so Laurel's JWT form is covered by openbadgeslib (test_openbadgeslib.py).
"""

from __future__ import annotations

import base64
import copy
import gzip

import pytest

from tests.interop import dcc


def test_dcc_accepts_a_valid_credential_with_its_status_checked(laurel):
    vc = laurel.ob3_json(laurel.credential("valid"))
    result = dcc.verify(vc, laurel.web)
    assert result["errors"] == [] and result["verified"] is True, result
    assert dcc.checks(result) == {"valid_signature": True, "issuer_did_resolves": True,
                                  "revocation_status": True, "expiration": True}, result
    # the status list it read is the one the credential names, its own proof checked
    assert vc["credentialStatus"]["statusListCredential"] in result["loaded"], result
    assert result["status"] == [{"purpose": "revocation", "verified": True}], result


def test_dcc_rejects_a_revoked_credential_because_its_status_bit_is_set(laurel):
    vc = laurel.ob3_json(laurel.credential("revoked"))
    result = dcc.verify(vc, laurel.web)
    assert result["verified"] is False, result
    # the signature and the list's own proof are fine: the reason is the revocation bit
    assert dcc.checks(result) == {"valid_signature": True, "issuer_did_resolves": True,
                                  "revocation_status": False, "expiration": True}, result
    assert result["status"] == [{"purpose": "revocation", "verified": False}], result
    assert result["errors"] == [], result


def test_dcc_rejects_an_expired_credential_because_it_expired(laurel):
    vc = laurel.ob3_json(laurel.credential("expired"))
    result = dcc.verify(vc, laurel.web)
    assert result["verified"] is False, result
    # the only error: the date check, which @digitalcredentials/vc runs after the proof
    # and the status list verified (a bad proof would have stopped it before)
    assert len(result["errors"]) == 1, result
    assert result["errors"][0].startswith("The current date time ("), result
    assert result["errors"][0].endswith(f'is after "validUntil" ({vc["validUntil"]}).'), result


def test_dcc_rejects_a_tampered_credential_as_a_bad_signature(laurel):
    vc = laurel.ob3_json(laurel.credential("valid"))
    vc["name"] = "Something else"
    result = dcc.verify(vc, laurel.web)
    assert result["verified"] is False, result
    assert "Invalid signature." in result["errors"], result


@pytest.mark.parametrize("where", ["issuer profile", "status list"])
def test_dcc_needs_every_document_laurel_publishes(laurel, where):
    """The harness is offline: take away one of Laurel's documents and the DCC
    verifier says so (proves it really loads them, not a cached copy)."""
    vc = laurel.ob3_json(laurel.credential("valid"))
    gone = vc["issuer"]["id"] if where == "issuer profile" else vc["credentialStatus"]["statusListCredential"]
    real = laurel.web.documents_for

    def without(doc):
        docs = real(doc)
        del docs[gone]
        return docs

    laurel.web.documents_for = without
    result = dcc.verify(vc, laurel.web)
    assert result["verified"] is False, result
    assert any(gone in e for e in result["errors"]), result


def test_dcc_refuses_a_status_list_whose_own_proof_fails(laurel):
    """A status list host that clears a revoked badge's bit cannot un-revoke it: the
    DCC verifier checks the list's own proof (verifyBitstringStatusListCredential)."""
    vc = laurel.ob3_json(laurel.credential("revoked"))
    listed = vc["credentialStatus"]["statusListCredential"]
    clean = laurel.ob3_json(laurel.credential("valid"))["credentialStatus"]["statusListCredential"]
    assert clean == listed  # one list per tenant block: the forged copy below differs by one bit only
    real = laurel.web.documents_for

    def forged(doc):
        docs = real(doc)
        fresh = copy.deepcopy(docs[listed])
        # an all-clear list of the same length (Bitstring Status List: multibase "u" +
        # base64url of the GZIP-compressed bits), the issuer's proof kept
        encoded = fresh["credentialSubject"]["encodedList"]
        size = len(gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))))
        fresh["credentialSubject"]["encodedList"] = "u" + base64.urlsafe_b64encode(
            gzip.compress(bytes(size))).decode().rstrip("=")
        docs[listed] = fresh
        return docs

    laurel.web.documents_for = forged
    result = dcc.verify(vc, laurel.web)
    assert result["verified"] is False, result
    assert any(e.startswith('"BitstringStatusListCredential" not verified') for e in result["errors"]), result

