"""openbadgeslib (an independent Open Badges 2.0 / 3.0 verifier from PyPI) on Laurel's
output, status checking on, for a valid, an expired and a revoked credential:

- OB 2.0: the baked PNG unbaked by openbadgeslib, the hosted assertion fetched from
  its id, the issuer's RevocationList checked (`check_revocation=True`);
- OB 3.0 VC-JWT: key from the JWT `kid`, status from the list the JWT names, that
  list's own JWT-VC signature verified and its issuer bound to the badge's
  (`check_status=True, verify_status_list=True`);
- OB 3.0 Data Integrity (eddsa-rdfc-2022): key from the proof's verificationMethod,
  status bit read (`check_status=True`). openbadgeslib verifies a status list's own
  proof only when the list is a JWT-VC ("verify_list=True requires a signed list"),
  so the Data Integrity list's proof is checked by the DCC verifier (test_dcc.py).

openbadgeslib binds an OB 3.0 credential to a recipient only through
`credentialSubject.id` ("require that credentialSubject.id matches"); Laurel names the
earner by a salted hash (`identifier`, an IdentityObject), so the OB 3.0 checks here
run without `expected_recipient` (the OB 2.0 ones re-hash the address).
"""

from __future__ import annotations

import json

import jwt
import pytest
from openbadgeslib.ob2 import OB2VerificationError, OB2Verifier
from openbadgeslib.ob2.models import Assertion
from openbadgeslib.ob3 import OB3LdpVerifier, OB3VerificationError, OB3Verifier

from tests.interop import obl
from tests.interop.conftest import EMAIL
from tests.interop.laurel_web import BASE


def _baked_png(laurel, cid: str) -> bytes:
    res = laurel.client.http.get(f"/badges/{cid}/image")
    assert res.status_code == 302, res.body
    return laurel.web.fetch(res.headers["Location"])


def _ob2(laurel, cid: str):
    baked = OB2Verifier.extract_token_from_png(_baked_png(laurel, cid))
    return OB2Verifier(download=laurel.web.fetch).verify_hosted(baked, expected_recipient=EMAIL,
                                                                  check_revocation=True)


def _ob3_jwt(laurel, cid: str):
    token = laurel.ob3_jwt(cid)
    issuer = jwt.decode(token, options={"verify_signature": False})["iss"]
    pem = obl.key_pem(obl.jwt_header(token).get("kid"), laurel.web, issuer)
    return OB3Verifier(pubkey_pem=pem).verify(token, check_status=True,
                                              verify_status_list=True, download=laurel.web.fetch)


def _ob3_ldp(laurel, cid: str):
    vc = laurel.ob3_json(cid)
    pem = obl.key_pem(vc["proof"]["verificationMethod"], laurel.web, vc["issuer"]["id"])
    return OB3LdpVerifier(pubkey_pem=pem).verify(vc, check_status=True, download=laurel.web.fetch,
                                                 verify_status_list=False)


# ---------------------------------------------------------------- OB 2.0 (hosted, baked PNG)


def test_openbadgeslib_accepts_a_valid_ob2_assertion_with_revocation_checked(laurel):
    cid = laurel.credential("valid")
    assertion = _ob2(laurel, cid)
    assert assertion.id == f"{BASE}/ob/v2/assertions/{cid}"
    profile = laurel.web.json(f"{BASE}/ob/v2/assertions/{cid}/badge")["issuer"]
    # it read the issuer's revocation list, not only the assertion
    assert laurel.web.json(profile)["revocationList"] in laurel.web.fetched


def test_openbadgeslib_rejects_an_expired_ob2_assertion_as_expired(laurel):
    cid = laurel.credential("expired")
    with pytest.raises(OB2VerificationError, match=r"^Assertion has expired \(expires "):
        _ob2(laurel, cid)


def test_openbadgeslib_rejects_a_revoked_ob2_assertion_as_gone(laurel):
    """OB 2.0 hosted verification: "If the Assertion has been revoked ... return 410
    Gone" with `revoked: true`; openbadgeslib fetches the hosted copy first and stops
    at the 410 (its RevocationList check, covered below, would say the same)."""
    cid = laurel.credential("revoked")
    with pytest.raises(OB2VerificationError, match=r"Could not fetch hosted assertion at .*: HTTP Error 410: Gone"):
        _ob2(laurel, cid)
    baked = OB2Verifier.extract_token_from_png(_baked_png(laurel, cid))
    verifier = OB2Verifier(download=laurel.web.fetch)
    with pytest.raises(OB2VerificationError, match=r"has been revoked: Exam misconduct$"):
        verifier._check_revocation(Assertion.from_dict(json.loads(baked)))


# ---------------------------------------------------------------- OB 3.0 VC-JWT


def test_openbadgeslib_accepts_a_valid_ob3_jwt_with_its_jwt_status_list_verified(laurel):
    cid = laurel.credential("valid")
    credential = _ob3_jwt(laurel, cid)
    assert credential.id == f"{BASE}/ob/v3/credentials/{cid}"
    token = laurel.ob3_jwt(cid)
    status_url = jwt.decode(token, options={"verify_signature": False})["credentialStatus"][
        "statusListCredential"]
    assert status_url in laurel.web.fetched


def test_openbadgeslib_rejects_an_expired_ob3_jwt_as_expired(laurel):
    cid = laurel.credential("expired")
    with pytest.raises(OB3VerificationError, match=r"^Credential has expired"):
        _ob3_jwt(laurel, cid)


def test_openbadgeslib_rejects_a_revoked_ob3_jwt_as_revoked(laurel):
    cid = laurel.credential("revoked")
    with pytest.raises(OB3VerificationError, match=r"^Credential status 'revocation' is set at index \d+ in .*\.jwt$"):
        _ob3_jwt(laurel, cid)


# ---------------------------------------------------------------- OB 3.0 Data Integrity


def test_openbadgeslib_accepts_a_valid_ob3_data_integrity_credential_with_status_read(laurel):
    cid = laurel.credential("valid")
    vc = laurel.ob3_json(cid)
    credential = _ob3_ldp(laurel, cid)
    assert credential.id == vc["id"]
    assert vc["credentialStatus"]["statusListCredential"] in laurel.web.fetched


def test_openbadgeslib_rejects_an_expired_ob3_data_integrity_credential_as_expired(laurel):
    cid = laurel.credential("expired")
    with pytest.raises(OB3VerificationError, match=r"^Credential has expired \(validUntil "):
        _ob3_ldp(laurel, cid)


def test_openbadgeslib_rejects_a_revoked_ob3_data_integrity_credential_as_revoked(laurel):
    cid = laurel.credential("revoked")
    with pytest.raises(OB3VerificationError, match=r"^Credential status 'revocation' is set at index \d+ in .*\.json$"):
        _ob3_ldp(laurel, cid)
