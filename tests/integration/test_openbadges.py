"""Open Badges 2.0 and 3.0 round trips, checked with independent libraries:
openbadges-bakery unbakes our PNG, joserfc verifies our VC-JWT against the served
JWKS, pyld (with the vendored contexts) expands our JSON-LD without losing a term."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import base64

import boto3
import openbadges_bakery
import pytest
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, RSAKey

from chalicelib.openbadges import data_integrity, jsonld
from tests.aws_calls import recording
from tests.conftest import body, sent_mail
from tests.helpers import active_template, auth, claim_token_from, issue, new_issuer, post

BASE = "https://laurel.test"
EMAIL = "grace@example.com"


def s3_get(url: str) -> bytes:
    key = url.split("https://assets.laurel.test/", 1)[1]
    return boto3.client("s3", region_name="us-east-1").get_object(Bucket="laurel-test-assets", Key=key)["Body"].read()


@pytest.fixture()
def accepted(client):
    tenant, key = new_issuer()
    tpl = active_template(client, key)
    cred = body(issue(client, key, tpl, evidence=[{"url": "https://lms.example/p/1", "narrative": "Capstone"}]))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    return {"tenant": tenant, "key": key, "tpl": tpl, "id": cred["id"]}


def get_json(client, path, status=200, **headers):
    res = client.http.get(path, headers=headers)
    assert res.status_code == status, (path, res.body)
    return json.loads(res.body)


def test_ob2_hosted_documents_link_up_with_ids_equal_to_their_urls(client, accepted):
    cid = accepted["id"]
    res = client.http.get(f"/ob/v2/assertions/{cid}")
    assert res.headers["Content-Type"] == "application/ld+json"
    a = json.loads(res.body)
    assert a["@context"] == "https://w3id.org/openbadges/v2" and a["type"] == "Assertion"
    assert a["id"] == f"{BASE}/ob/v2/assertions/{cid}"
    assert a["verification"] == {"type": "HostedBadge"}
    salt = a["recipient"]["salt"]
    assert a["recipient"]["identity"] == "sha256$" + hashlib.sha256((EMAIL + salt).encode()).hexdigest()
    assert a["recipient"]["hashed"] is True and EMAIL not in res.body.decode()
    assert a["issuedOn"].endswith("Z") and a["expires"].endswith("Z")
    assert a["evidence"] == [{"type": "Evidence", "id": "https://lms.example/p/1", "narrative": "Capstone"}]

    badge = get_json(client, a["badge"].removeprefix(BASE))
    assert badge["id"] == a["badge"] and badge["type"] == "BadgeClass" and badge["name"] == "Data Steward"
    assert badge["tags"] == ["Data quality", "Governance"] and badge["image"].startswith("https://assets.laurel.test/")
    profile = get_json(client, badge["issuer"].removeprefix(BASE))
    assert profile["id"] == badge["issuer"] and profile["type"] == "Profile" and profile["name"] == "Acme Academy"
    revocations = get_json(client, profile["revocationList"].removeprefix(BASE))
    assert revocations["id"] == profile["revocationList"] and revocations["revokedAssertions"] == []
    for doc in (a, badge, profile, revocations):
        assert jsonld.undefined_terms(doc) == [], doc


def test_ob3_credential_expands_and_both_proofs_verify(client, accepted):
    cid = accepted["id"]
    vc = get_json(client, f"/ob/v3/credentials/{cid}")
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert vc["id"] == f"{BASE}/ob/v3/credentials/{cid}"
    assert vc["credentialSubject"]["achievement"]["achievementType"] == "Certification"
    assert vc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert jsonld.undefined_terms(vc) == []

    # Data Integrity: the key comes from the issuer profile that the proof names
    profile = get_json(client, vc["issuer"]["id"].removeprefix(BASE))
    method = next(m for m in profile["verificationMethod"] if m["id"] == vc["proof"]["verificationMethod"])
    assert method["controller"] == profile["id"]
    ok, reason = data_integrity.verify_proof(vc, method["publicKeyMultibase"])
    assert ok, reason
    tampered = {**vc, "name": "Something else"}
    assert data_integrity.verify_proof(tampered, method["publicKeyMultibase"])[0] is False

    # VC-JWT: joserfc with the key its `kid` names (a key URL in the issuer profile)
    token = client.http.get(f"/ob/v3/credentials/{cid}.jwt").body.decode()
    assert token == client.http.get(f"/ob/v3/credentials/{cid}", headers={"Accept": "application/vc+jwt"}).body.decode()
    kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]
    jwk = next(m["publicKeyJwk"] for m in profile["verificationMethod"] if m["id"] == kid)
    keys = KeySet.import_key_set({"keys": [{**jwk, "kid": kid}]})
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    assert decoded.header["alg"] == "RS256"
    assert decoded.claims["iss"] == vc["issuer"]["id"] and decoded.claims["jti"] == vc["id"]
    assert decoded.claims["credentialSubject"] == vc["credentialSubject"]
    header, payload, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["name"] = "Forged"
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    with pytest.raises(BadSignatureError):
        jwt.decode(f"{header}.{forged_payload}.{signature}", keys, algorithms=["RS256"])
    with pytest.raises(BadSignatureError):
        jwt.decode(token, RSAKey.generate_key(2048), algorithms=["RS256"])


def _bit(vc: dict) -> bool:
    status = vc["credentialStatus"]
    listing = json.loads(s3_get(status["statusListCredential"]))
    assert listing["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    encoded = listing["credentialSubject"]["encodedList"]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131072
    index = int(status["statusListIndex"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_revocation_shows_in_page_revocation_list_and_status_list(client, accepted):
    cid = accepted["id"]
    vc = get_json(client, f"/ob/v3/credentials/{cid}")
    assert _bit(vc) is False
    post(client, f"/credentials/{cid}/revoke", accepted["key"], {"reason": "Exam misconduct"})
    gone = client.http.get(f"/ob/v2/assertions/{cid}")
    assert gone.status_code == 410
    assert json.loads(gone.body) == {"@context": "https://w3id.org/openbadges/v2",
                                     "id": f"{BASE}/ob/v2/assertions/{cid}", "revoked": True,
                                     "revocationReason": "Exam misconduct"}
    revocations = get_json(client, f"/ob/v2/issuers/{accepted['tenant']}/revocations")
    assert revocations["revokedAssertions"] == [{"id": f"{BASE}/ob/v2/assertions/{cid}",
                                                 "revocationReason": "Exam misconduct"}]
    assert _bit(vc) is True
    assert b"Revoked" in client.http.get(f"/badges/{cid}").body


def test_status_list_indexes_are_unique_and_only_the_revoked_bit_flips(client, accepted):
    key, tpl = accepted["key"], accepted["tpl"]
    others = [body(issue(client, key, tpl, email=f"p{i}@example.com", suppress_email=True))["id"] for i in range(3)]
    from chalicelib.store import credentials as store

    indexes = [int(store.get(c).status_index) for c in others + [accepted["id"]]]
    assert len(set(indexes)) == 4
    post(client, f"/credentials/{accepted['id']}/revoke", key, {"reason": "x", "suppress_email": True})
    vc = store.get(accepted["id"]).ob3
    assert _bit(vc) is True
    for c in others:
        assert _bit(store.get(c).ob3) is False


def test_replaced_credentials_are_revoked_everywhere(client, accepted):
    first = accepted["id"]
    vc = get_json(client, f"/ob/v3/credentials/{first}")
    assert _bit(vc) is False
    body(issue(client, accepted["key"], accepted["tpl"], duplicate_policy="replace"))
    assert _bit(vc) is True
    listed = get_json(client, f"/ob/v2/issuers/{accepted['tenant']}/revocations")["revokedAssertions"]
    assert [r["id"].rsplit("/", 1)[1] for r in listed] == [first]
    assert body(post(client, "/verify", None, {"credential": vc}))["result"] == "revoked"


def test_a_new_status_list_is_published_when_a_block_reaches_it(client, monkeypatch):
    from chalicelib.openbadges import ob3
    from chalicelib.services import openbadges

    monkeypatch.setattr(ob3, "STATUS_LIST_SIZE", 8)
    tenant, _ = new_issuer()
    assert openbadges.allocate_status_indexes(tenant, 5) == 0
    assert openbadges.allocate_status_indexes(tenant, 20) == 5  # indexes 5..24: lists 1, 2 and 3 begin inside
    s3 = boto3.client("s3", region_name="us-east-1")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="laurel-test-assets",
                                                      Prefix=f"assets/status/{tenant}/").get("Contents", []))
    # each list in both securing forms (Data Integrity JSON-LD and VC-JWT)
    assert keys == sorted(f"assets/status/{tenant}/{n}.{form}" for n in (0, 1, 2, 3) for form in ("json", "jwt"))


def test_baked_png_unbakes_with_openbadges_bakery(client, accepted):
    cid = accepted["id"]
    res = client.http.get(f"/badges/{cid}/image")
    assert res.status_code == 302
    png = s3_get(res.headers["Location"])
    assert png.count(b"iTXtopenbadges\x00") == 1
    baked = json.loads(openbadges_bakery.unbake(io.BytesIO(png)))
    assert baked == get_json(client, f"/ob/v2/assertions/{cid}")
    # cached: the same state gives the same file; a revocation invalidates it
    assert client.http.get(f"/badges/{cid}/image").headers["Location"] == res.headers["Location"]
    post(client, f"/credentials/{cid}/revoke", accepted["key"], {"reason": "x", "suppress_email": True})
    with pytest.raises(ClientError) as gone:
        s3_get(res.headers["Location"])
    assert gone.value.response["Error"]["Code"] == "NoSuchKey"
    again = client.http.get(f"/badges/{cid}/image").headers["Location"]
    assert again != res.headers["Location"]


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>'


def test_svg_template_images_are_sanitised_and_bake(client):
    _, key = new_issuer()
    tpl = body(post(client, "/templates", key, {"name": "SVG badge", "description": "d",
                                                "criteria": {"narrative": "n"}}))["id"]
    headers = {**auth(key), "Content-Type": "image/svg+xml"}
    for evil in [b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                 b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                 b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
                 b'<image x:href="https://evil.example/x.png"/></svg>']:
        assert client.http.put(f"/templates/{tpl}/image", headers=headers, body=evil).status_code == 422
    assert client.http.put(f"/templates/{tpl}/image", headers=headers, body=SVG).status_code == 200
    post(client, f"/templates/{tpl}/activate", key, b"")
    cred = body(issue(client, key, tpl))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
    location = client.http.get(f"/badges/{cred['id']}/image").headers["Location"]
    assert location.endswith(".svg")
    baked = s3_get(location)
    assert b"openbadges:assertion" in baked and b"<script" not in baked
    assert openbadges_bakery.unbake(io.BytesIO(baked)) == f"{BASE}/ob/v2/assertions/{cred['id']}"


def test_documents_cost_one_read_and_issuing_one_kms_sign(client, accepted):
    cid = accepted["id"]
    for path in [f"/ob/v2/assertions/{cid}", f"/ob/v2/assertions/{cid}/badge", f"/ob/v3/credentials/{cid}",
                 f"/ob/v3/credentials/{cid}.jwt"]:
        with recording() as calls:
            assert client.http.get(path).status_code == 200
        assert calls == ["dynamodb.GetItem"], (path, calls)
    with recording() as calls:
        assert issue(client, accepted["key"], accepted["tpl"], email="new@example.com").status_code == 201
    assert calls.count("kms.Sign") == 1, calls


def test_key_rotation_keeps_old_credentials_verifiable(client, accepted):
    from chalicelib.adapters import kms
    from chalicelib.services import signing

    def kid_of(token: str) -> str:  # the key URL listed in the issuer profile; its last segment is the JWKS kid
        return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]

    old_token = client.http.get(f"/ob/v3/credentials/{accepted['id']}.jwt").body.decode()
    signing.register_rsa_key(kms.create_rsa_signing_key("rotated"))
    keys_doc = get_json(client, "/.well-known/jwks.json")
    assert len(keys_doc["keys"]) == 2
    keys = KeySet.import_key_set(keys_doc)
    jwt.decode(old_token, keys.get_by_kid(kid_of(old_token).rsplit("/", 1)[1]), algorithms=["RS256"])
    new = body(issue(client, accepted["key"], accepted["tpl"], email="after@example.com"))
    token = claim_token_from(sent_mail()[-1]["body"], new["id"])
    post(client, f"/claim/{new['id']}", None, {"token": token, "decision": "accept"})
    new_token = client.http.get(f"/ob/v3/credentials/{new['id']}.jwt").body.decode()
    new_kid = kid_of(new_token)
    assert new_kid == f"{BASE}/ob/v3/issuers/{accepted['tenant']}/keys/{signing.active_rsa_key().kid}" \
        != kid_of(old_token)
    assert jwt.decode(new_token, keys.get_by_kid(new_kid.rsplit("/", 1)[1]), algorithms=["RS256"])
    for t in (old_token, new_token):  # and Laurel's verifier resolves both from the profile
        assert body(post(client, "/verify", None, {"jwt": t}))["result"] == "valid"


def test_pending_and_unknown_documents_are_404(client):
    tenant, key = new_issuer()
    tpl = active_template(client, key)
    pending = body(issue(client, key, tpl))["id"]
    for path in [f"/ob/v2/assertions/{pending}", f"/ob/v3/credentials/{pending}", f"/badges/{pending}/image",
                 "/ob/v2/issuers/nope", "/ob/v3/issuers/0123456789abcdef", "/ob/v2/assertions/x/badge"]:
        assert client.http.get(path).status_code == 404, path


def test_registering_the_same_signing_key_twice_is_refused_and_it_stays_active(aws_env):
    from chalicelib.adapters import kms
    from chalicelib.domain.errors import Conflict
    from chalicelib.services import signing
    from chalicelib.store import openbadges as ob_store

    kid = signing.register_rsa_key(kms.create_rsa_signing_key("twice"))
    with pytest.raises(Conflict) as refused:
        signing.register_rsa_key(signing.active_rsa_key().kms_key_id)
    assert refused.value.code == "key_exists"
    assert [k.kid for k in ob_store.signing_keys() if not k.retired_at] == [kid]
