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
    # every key: the Ed25519 one and both RSA keys (active and retired), ids under the profile URL
    jwks = get_json(client, "/.well-known/jwks.json")["keys"]
    assert len(jwks) == 2
    rsa = [m for m in methods.values() if m["type"] == "JsonWebKey"]
    assert sorted(m["publicKeyJwk"]["n"] for m in rsa) == sorted(k["n"] for k in jwks)
    assert [m["type"] for m in methods.values()].count("Multikey") == 1
    for method in methods.values():
        assert method["id"].startswith(profile_url + "#") and method["controller"] == profile_url
    for m in rsa:  # DID Core / CID: "use the value of kid as their fragment identifier"
        assert m["id"] == f"{profile_url}#{m['publicKeyJwk']['kid']}"
        assert "d" not in m["publicKeyJwk"]
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
    assert kid == f"{profile_url}#{signing.active_rsa_key().kid}", kid
    document = get_json(client, urlsplit(kid.split("#")[0]).path)
    method = next(m for m in document["verificationMethod"] if m["id"] == kid)
    assert kid in document["assertionMethod"] and method["controller"] == document["id"]
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

    monkeypatch.setattr(signing, "jwt_kid", lambda tenant_id, key: key.kid)  # the old kid
    stored = _accepted(client, rotated["key"], rotated["tpl"], "stored@example.com")
    monkeypatch.undo()
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
        return sorted(json.dumps(m.get("publicKeyJwk") or m.get("publicKeyMultibase"), sort_keys=True)
                      for m in d["verificationMethod"])
    assert material(doc) == material(profile) and len(doc["verificationMethod"]) == 3
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
    for kid in (f"{profile_url}#attacker", f"{profile_url}#ed25519-1"):
        forged = jwt.encode({"alg": "RS256", "typ": "JWT", "kid": kid}, claims, attacker)
        report = body(post(client, "/verify", None, {"jwt": forged}))
        assert report["result"] == "invalid", report
        assert any(c["check"] == "signature" and not c["ok"] for c in report["checks"]), report["checks"]
