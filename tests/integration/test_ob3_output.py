"""Laurel's own Open Badges 3.0 output as other verifiers read it (issue 18, items 1-3):
the issuer profile is a controller document listing every key the tenant signs with,
JWT `kid`s are URLs that document answers, a did:web document carries the same keys,
and status lists are published secured both ways (Data Integrity and VC-JWT)."""

from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import RSAKey
from pyld import jsonld as pyld

from chalicelib.openbadges import data_integrity, jsonld
from tests.conftest import body, sent_mail
from tests.helpers import active_template, claim_token_from, issue, new_issuer, post

BASE = "https://laurel.test"
SEC = "https://w3id.org/security#"


def get_json(client, path, status=200, **headers):
    res = client.http.get(path, headers=headers)
    assert res.status_code == status, (path, res.status_code, res.body[:300])
    return json.loads(res.body)


def _accepted(client, key, tpl, email):
    cred = body(issue(client, key, tpl, email=email))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    return cred["id"]


@pytest.fixture()
def rotated(client):
    """A tenant whose credentials were signed with two RSA keys (one rotated out)."""
    from chalicelib.adapters import kms
    from chalicelib.services import signing

    tenant, key = new_issuer()
    tpl = active_template(client, key)
    old = _accepted(client, key, tpl, "old@example.com")
    signing.register_rsa_key(kms.create_rsa_signing_key("rotated"))
    new = _accepted(client, key, tpl, "new@example.com")
    return {"tenant": tenant, "key": key, "tpl": tpl, "old": old, "new": new}


def _expanded_values(doc: dict, prop: str) -> list[str]:
    expanded = jsonld.expand(doc)
    assert len(expanded) == 1
    return [v.get("@id") for v in expanded[0].get(SEC + prop, [])]


def test_issuer_profile_is_a_controller_document_listing_every_signing_key(client, rotated):
    profile_url = f"{BASE}/ob/v3/issuers/{rotated['tenant']}"
    profile = get_json(client, profile_url.removeprefix(BASE))
    # JSON-LD processing keeps the key relations (before: expansion dropped them)
    assert jsonld.undefined_terms(profile) == []
    methods = {m["id"]: m for m in profile["verificationMethod"]}
    assert sorted(_expanded_values(profile, "verificationMethod")) == sorted(methods)
    assert sorted(_expanded_values(profile, "assertionMethod")) == sorted(methods)
    # every key: the Ed25519 one and both RSA keys (active and retired)
    jwks = get_json(client, "/.well-known/jwks.json")["keys"]
    assert len(jwks) == 2
    rsa = [m for m in methods.values() if m["type"] == "JsonWebKey"]
    assert sorted(m["publicKeyJwk"]["n"] for m in rsa) == sorted(k["n"] for k in jwks)
    for m in rsa:  # named by the JWK thumbprint (DID Core / CID: "use the value of kid")
        assert m["id"] == f"{profile_url}/keys/{m['publicKeyJwk']['kid']}"
        assert "d" not in m["publicKeyJwk"]
    ed25519 = {m["id"]: m["publicKeyMultibase"] for m in methods.values() if m["type"] == "Multikey"}
    # one Ed25519 key under its key URL, and under the id stored credentials name
    assert sorted(ed25519) == [f"{profile_url}#ed25519-1", f"{profile_url}/keys/ed25519-1"]
    assert len(set(ed25519.values())) == 1
    # each id answers: a key URL with the key itself (what a stock https loader gets)
    for method in methods.values():
        assert method["controller"] == profile_url
        if "#" in method["id"]:
            continue  # a fragment of the profile: the profile answers it
        alone = get_json(client, method["id"].removeprefix(BASE))
        context = "https://w3id.org/security/multikey/v1" if method["type"] == "Multikey" \
            else "https://www.w3.org/ns/cid/v1"
        assert alone == {"@context": context, **method}, alone
        assert jsonld.undefined_terms(alone) == []
    assert client.http.get(f"/ob/v3/issuers/{rotated['tenant']}/keys/nope").status_code == 404
    # what jsonld-signatures' ControllerProofPurpose does: frame the controller document
    # for the proof's method under the assertionMethod relation
    vc = get_json(client, f"/ob/v3/credentials/{rotated['new']}")
    method_id = vc["proof"]["verificationMethod"]
    framed = pyld.frame(profile, {"@context": "https://www.w3.org/ns/cid/v1", "id": profile_url,
                                  "assertionMethod": {"@embed": "@never", "id": method_id}},
                        {"documentLoader": jsonld.default_loader(), "compactToRelative": False})
    assert method_id in pyld.JsonLdProcessor.get_values(framed, "assertionMethod")
    ok, reason = data_integrity.verify_proof(vc, methods[method_id]["publicKeyMultibase"])
    assert ok, reason


def test_jwt_kid_is_a_key_url_the_issuer_profile_answers(client, rotated):
    from chalicelib.services import signing

    profile_url = f"{BASE}/ob/v3/issuers/{rotated['tenant']}"
    token = client.http.get(f"/ob/v3/credentials/{rotated['new']}.jwt").body.decode()
    from chalicelib.openbadges.ob3 import b64url_decode

    kid = json.loads(b64url_decode(token.split(".")[0]))["kid"]
    # the key URL, resolvable from the credential alone (before: a bare thumbprint)
    assert kid == f"{profile_url}/keys/{signing.active_rsa_key().kid}", kid
    method = get_json(client, urlsplit(kid).path)  # answers with the key itself
    assert method["id"] == kid and method["type"] == "JsonWebKey" and method["controller"] == profile_url
    document = get_json(client, urlsplit(profile_url).path)
    assert kid in document["assertionMethod"]
    decoded = jwt.decode(token, RSAKey.import_key(method["publicKeyJwk"]), algorithms=["RS256"])
    assert decoded.claims["iss"] == document["id"]
    # the other key cannot pass for it
    other = next(m for m in document["verificationMethod"] if m["type"] == "JsonWebKey" and m["id"] != kid)
    with pytest.raises(BadSignatureError):
        jwt.decode(token, RSAKey.import_key(other["publicKeyJwk"]), algorithms=["RS256"])


def test_a_credential_signed_before_the_change_keeps_verifying(client, rotated, monkeypatch):
    """Credentials stored before issue 18 name their key by bare thumbprint: the JWKS
    still answers those, and Laurel's verifier still accepts them."""
    from chalicelib.openbadges.ob3 import b64url_decode
    from chalicelib.services import signing

    from chalicelib.openbadges.data_integrity import LocalEd25519Signer

    monkeypatch.setattr(signing, "jwt_kid", lambda tenant_id, key: key.kid)  # the old kid
    monkeypatch.setattr(signing, "ed25519_signer", lambda tenant_id: LocalEd25519Signer(  # the old method id
        signing._legacy_ed25519_seed(), key_id=f"{BASE}/ob/v3/issuers/{tenant_id}#ed25519-1"))  # pre-issue-17 seed
    stored = _accepted(client, rotated["key"], rotated["tpl"], "stored@example.com")
    monkeypatch.undo()
    stored_vc = get_json(client, f"/ob/v3/credentials/{stored}")
    assert stored_vc["proof"]["verificationMethod"].endswith("#ed25519-1")
    assert body(post(client, "/verify", None, {"credential": stored_vc}))["result"] == "valid"
    token = client.http.get(f"/ob/v3/credentials/{stored}.jwt").body.decode()
    assert "#" not in json.loads(b64url_decode(token.split(".")[0]))["kid"]
    assert body(post(client, "/verify", None, {"jwt": token}))["result"] == "valid"
    for cid in (rotated["old"], rotated["new"]):
        new = client.http.get(f"/ob/v3/credentials/{cid}.jwt").body.decode()
        assert body(post(client, "/verify", None, {"jwt": new}))["result"] == "valid"


def _did_web_url(did: str) -> str:
    """did:web method spec, Read (Resolve): replace ':' with '/', percent-decode the
    port, prefix https://, and append /did.json for a path (else /.well-known/did.json)."""
    parts = did.removeprefix("did:web:").split(":")
    host, path = unquote(parts[0]), "/".join(unquote(p) for p in parts[1:])
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def test_did_web_document_has_the_same_keys_and_links_to_the_profile(client, rotated):
    profile_url = f"{BASE}/ob/v3/issuers/{rotated['tenant']}"
    profile = get_json(client, profile_url.removeprefix(BASE))
    dids = [a for a in profile["alsoKnownAs"] if a.startswith("did:web:")]
    assert dids == [f"did:web:laurel.test:ob:v3:issuers:{rotated['tenant']}"]
    url = _did_web_url(dids[0])
    assert url == f"{profile_url}/did.json"
    doc = get_json(client, url.removeprefix(BASE))
    assert doc["@context"][0] == "https://www.w3.org/ns/did/v1"
    assert doc["id"] == dids[0] and profile_url in doc["alsoKnownAs"]
    assert jsonld.undefined_terms(doc) == []
    for m in doc["verificationMethod"]:
        assert m["id"].startswith(dids[0] + "#") and m["controller"] == dids[0]
    assert sorted(_expanded_values(doc, "assertionMethod")) == sorted(m["id"] for m in doc["verificationMethod"])

    def material(d):
        return {json.dumps(m.get("publicKeyJwk") or m.get("publicKeyMultibase"), sort_keys=True)
                for m in d["verificationMethod"]}
    assert material(doc) == material(profile) and len(doc["verificationMethod"]) == len(material(doc)) == 3
    assert client.http.get("/ob/v3/issuers/0123456789abcdef/did.json").status_code == 404


def test_a_jwt_naming_a_key_the_profile_does_not_list_is_refused(client, rotated):
    """An attacker's token claiming the issuer, with a kid under the profile URL that
    the profile does not list (or lists without a JWK), fails the signature check."""
    from chalicelib.openbadges.ob3 import b64url_decode

    token = client.http.get(f"/ob/v3/credentials/{rotated['new']}.jwt").body.decode()
    claims = json.loads(b64url_decode(token.split(".")[1]))
    claims["name"] = "Forged"
    attacker = RSAKey.generate_key(2048)
    profile_url = f"{BASE}/ob/v3/issuers/{rotated['tenant']}"
    for kid in (f"{profile_url}#attacker", f"{profile_url}#ed25519-1", f"{profile_url}/keys/attacker",
                f"{profile_url}/keys/ed25519-1", f"{profile_url}/revocations"):
        forged = jwt.encode({"alg": "RS256", "typ": "JWT", "kid": kid}, claims, attacker)
        report = body(post(client, "/verify", None, {"jwt": forged}))
        assert report["result"] == "invalid", report
        assert any(c["check"] == "signature" and not c["ok"] for c in report["checks"]), report["checks"]


# ---------------------------------------------------------------- status lists in both securing forms


def _s3(url: str) -> bytes:
    import boto3

    key = url.split("https://assets.laurel.test/", 1)[1]
    return boto3.client("s3", region_name="us-east-1").get_object(Bucket="laurel-test-assets", Key=key)["Body"].read()


def _put_s3(url: str, data: bytes) -> None:
    import boto3

    key = url.split("https://assets.laurel.test/", 1)[1]
    boto3.client("s3", region_name="us-east-1").put_object(Bucket="laurel-test-assets", Key=key, Body=data)


def _jwt_parts(token: str) -> tuple[dict, dict]:
    from chalicelib.openbadges.ob3 import b64url_decode

    h, p, _ = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p))


def _bit_of(listing: dict, index: int) -> bool:
    from chalicelib.openbadges import ob3

    return ob3.bit_is_set(ob3.decode_bits(listing["credentialSubject"]["encodedList"]), index)


def _lists(client, cid: str) -> tuple[dict, dict, str, dict]:
    """(JSON-LD credential, its DI list, the JWT list as served, the JWT list's payload)"""
    vc = get_json(client, f"/ob/v3/credentials/{cid}")
    _, jwt_vc = _jwt_parts(client.http.get(f"/ob/v3/credentials/{cid}.jwt").body.decode())
    di_list = json.loads(_s3(vc["credentialStatus"]["statusListCredential"]))
    jwt_list = _s3(jwt_vc["credentialStatus"]["statusListCredential"]).decode()
    return vc, di_list, jwt_list, _jwt_parts(jwt_list)[1]


def test_each_credential_form_points_at_a_status_list_secured_the_same_way(client, rotated):
    cid = rotated["new"]
    profile_url = f"{BASE}/ob/v3/issuers/{rotated['tenant']}"
    profile = get_json(client, profile_url.removeprefix(BASE))
    methods = {m["id"]: m for m in profile["verificationMethod"]}
    vc = get_json(client, f"/ob/v3/credentials/{cid}")
    _, jwt_vc = _jwt_parts(client.http.get(f"/ob/v3/credentials/{cid}.jwt").body.decode())
    di_url = vc["credentialStatus"]["statusListCredential"]
    jwt_url = jwt_vc["credentialStatus"]["statusListCredential"]
    assert di_url.endswith(".json") and jwt_url == di_url.removesuffix(".json") + ".jwt", (di_url, jwt_url)
    assert jwt_vc["credentialStatus"]["id"] == f"{jwt_url}#{vc['credentialStatus']['statusListIndex']}"
    assert jwt_vc["credentialStatus"]["statusListIndex"] == vc["credentialStatus"]["statusListIndex"]

    # Data Integrity list: its proof verifies with the profile's Ed25519 key, issuer = the credential's
    di_list = json.loads(_s3(di_url))
    ok, reason = data_integrity.verify_proof(di_list, methods[di_list["proof"]["verificationMethod"]]["publicKeyMultibase"])
    assert ok, reason
    assert di_list["issuer"] == vc["issuer"]["id"] == profile_url

    # VC-JWT list: typ vc+jwt, RS256 with the key its kid names in the profile (VC-JOSE-COSE)
    token = _s3(jwt_url).decode()
    header, payload = _jwt_parts(token)
    assert header["alg"] == "RS256" and header["typ"] == "vc+jwt" and header["kid"] in methods, header
    decoded = jwt.decode(token, RSAKey.import_key(methods[header["kid"]]["publicKeyJwk"]), algorithms=["RS256"])
    claims = decoded.claims
    assert claims["id"] == jwt_url and claims["issuer"] == profile_url and claims["iss"] == profile_url
    assert jsonld.undefined_terms(claims) == []  # the payload is the credential (its claims are VC 2.0 terms)
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert claims["credentialSubject"]["statusPurpose"] == "revocation"
    assert claims["credentialSubject"]["encodedList"] == di_list["credentialSubject"]["encodedList"]


def test_revocation_sets_the_bit_in_both_lists_with_one_kms_sign(client, rotated):
    from tests.aws_calls import recording

    cid = rotated["new"]
    vc, di_list, _, jwt_list = _lists(client, cid)
    index = int(vc["credentialStatus"]["statusListIndex"])
    assert _bit_of(di_list, index) is False and _bit_of(jwt_list, index) is False
    token = client.http.get(f"/ob/v3/credentials/{cid}.jwt").body.decode()
    with recording() as calls:
        res = post(client, f"/credentials/{cid}/revoke", rotated["key"], {"reason": "Exam misconduct",
                                                                          "suppress_email": True})
    assert res.status_code == 200, res.body
    assert calls.count("kms.Sign") == 1, calls  # the JWT list; the DI list is Ed25519 (no KMS)
    _, di_list, _, jwt_list = _lists(client, cid)
    assert _bit_of(di_list, index) is True and _bit_of(jwt_list, index) is True
    # Laurel's verifier reads each form's own list
    assert body(post(client, "/verify", None, {"jwt": token}))["result"] == "revoked"
    assert body(post(client, "/verify", None, {"credential": vc}))["result"] == "revoked"


def test_replacement_revokes_in_both_lists(client, rotated):
    cid = rotated["new"]
    vc = get_json(client, f"/ob/v3/credentials/{cid}")
    token = client.http.get(f"/ob/v3/credentials/{cid}.jwt").body.decode()
    body(issue(client, rotated["key"], rotated["tpl"], email="new@example.com", duplicate_policy="replace"))
    _, di_list, _, jwt_list = _lists(client, cid)
    index = int(vc["credentialStatus"]["statusListIndex"])
    assert _bit_of(di_list, index) is True and _bit_of(jwt_list, index) is True
    assert body(post(client, "/verify", None, {"jwt": token}))["result"] == "revoked"


def test_a_status_list_that_fails_its_own_verification_fails_the_check(client, rotated):
    """A list someone altered (or signed with another key) says nothing: the verdict is
    invalid, not "not revoked"."""
    from chalicelib.openbadges import ob3

    cid = rotated["new"]
    vc, di_list, jwt_text, jwt_list = _lists(client, cid)
    token = client.http.get(f"/ob/v3/credentials/{cid}.jwt").body.decode()
    _, jwt_vc = _jwt_parts(token)
    index = int(vc["credentialStatus"]["statusListIndex"])

    # the DI list's bits changed without its proof: the proof no longer verifies
    other = ob3.set_bit(bytes(ob3.STATUS_LIST_SIZE // 8), (index + 1) % ob3.STATUS_LIST_SIZE)
    tampered = {**di_list, "credentialSubject": {**di_list["credentialSubject"], "encodedList": ob3.encode_bits(other)}}
    _put_s3(vc["credentialStatus"]["statusListCredential"], json.dumps(tampered).encode())
    report = body(post(client, "/verify", None, {"credential": vc}))
    assert report["result"] == "invalid", report
    assert any(c["check"] == "status list" and not c["ok"] for c in report["checks"]), report["checks"]

    # the JWT list re-signed by someone else under the issuer's key URL
    attacker = RSAKey.generate_key(2048)
    header, _ = _jwt_parts(jwt_text)
    forged = jwt.encode(header, jwt_list, attacker)
    _put_s3(jwt_vc["credentialStatus"]["statusListCredential"], forged.encode())
    report = body(post(client, "/verify", None, {"jwt": token}))
    assert report["result"] == "invalid", report
    assert any(c["check"] == "status list" and not c["ok"] for c in report["checks"]), report["checks"]

    # the genuine list restored: valid again
    _put_s3(jwt_vc["credentialStatus"]["statusListCredential"], jwt_text.encode())
    assert body(post(client, "/verify", None, {"jwt": token}))["result"] == "valid"

    # another issuer's list (validly signed by that issuer) does not speak for this credential
    other_tenant, other_key = new_issuer("Other Academy")
    other_cid = _accepted(client, other_key, active_template(client, other_key), "x@example.com")
    other_vc = get_json(client, f"/ob/v3/credentials/{other_cid}")
    _put_s3(vc["credentialStatus"]["statusListCredential"], _s3(other_vc["credentialStatus"]["statusListCredential"]))
    report = body(post(client, "/verify", None, {"credential": vc}))
    assert report["result"] == "invalid", report
    assert any(c["check"] == "status list" and not c["ok"] and "issuer" in c["detail"] for c in report["checks"])


def test_a_list_published_before_both_forms_gets_its_jwt_form_when_next_used(client):
    """Lists published before issue 18 have only `<n>.json`; a VC-JWT issued into such a list
    points at `<n>.jwt`. The first block of indexes a container takes from the list publishes
    the missing form, so the new credential's status can be read (and it verifies)."""
    import boto3

    from chalicelib.services import caches
    from tests.aws_calls import recording

    _, key = new_issuer()
    tpl = active_template(client, key)

    def accepted(email: str) -> str:
        cid = body(issue(client, key, tpl, email=email))["id"]
        token = claim_token_from(sent_mail()[-1]["body"], cid)
        post(client, f"/claim/{cid}", None, {"token": token, "decision": "accept"})
        return cid

    first = accepted("grace@example.com")
    _, first_vc = _jwt_parts(client.http.get(f"/ob/v3/credentials/{first}.jwt").body.decode())
    jwt_url = first_vc["credentialStatus"]["statusListCredential"]
    s3 = boto3.client("s3", region_name="us-east-1")
    s3_key = urlsplit(jwt_url).path.lstrip("/")
    s3.delete_object(Bucket="laurel-test-assets", Key=s3_key)  # the state before issue 18
    caches.clear()  # a new container: its next issue takes a new block from the same list

    with recording() as calls:
        second = body(issue(client, key, tpl, email="ada@example.com"))["id"]
    token = claim_token_from(sent_mail()[-1]["body"], second)
    post(client, f"/claim/{second}", None, {"token": token, "decision": "accept"})
    assert s3.get_object(Bucket="laurel-test-assets", Key=s3_key)["Body"].read().count(b".") == 2
    token = client.http.get(f"/ob/v3/credentials/{second}.jwt").body.decode()
    assert _jwt_parts(token)[1]["credentialStatus"]["statusListCredential"] == jwt_url
    report = body(post(client, "/verify", None, {"jwt": token}))
    assert report["result"] == "valid", [c for c in report["checks"] if not c["ok"]]
    assert calls.count("s3.HeadObject") == 1

    with recording() as calls:  # the container remembers: no further HEAD for this list
        body(issue(client, key, tpl, email="lin@example.com"))
    assert calls.count("s3.HeadObject") == 0
