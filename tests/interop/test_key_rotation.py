"""Signing keys that rotate (issue 17, item 7).

Ed25519 (Data Integrity) material is its own versioned secret; RSA (VC-JWT) keys live in
KMS. Both rotate, and every key a credential was ever signed with stays published (issuer
profile, key URLs, did.json, JWKS), so credentials of every generation keep verifying:
through Laurel's own POST /verify and through independent verifiers (the DCC verifier
for Data Integrity, openbadgeslib for VC-JWT and Data Integrity).
"""

from __future__ import annotations

import json

import jwt
import pytest
from joserfc.jwk import KeySet
from openbadgeslib.ob3 import OB3LdpVerifier, OB3Verifier

from tests.conftest import body
from tests.helpers import post
from tests.interop import dcc, obl
from tests.interop.laurel_web import BASE


@pytest.fixture()
def operator(aws_env):
    from chalicelib.services import ops

    return ops.create_operator_key("tests")


def op(key: str) -> dict:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def rotate(client, operator: str, payload: dict):
    return client.http.post("/ops/keys/rotate", headers=op(operator), body=json.dumps(payload))


def new_kms_key() -> str:
    from chalicelib.adapters import kms

    return kms.create_rsa_signing_key("a newer VC-JWT key")


def key_items() -> list[dict]:
    from tests.conftest import scan_table

    return sorted((i for i in scan_table() if i["pk"] == "PLATFORM" and "KEY" in i["sk"]), key=lambda i: i["sk"])


def _verify_all_ways(laurel, cid: str) -> None:
    vc = laurel.ob3_json(cid)
    token = laurel.ob3_jwt(cid)
    # Laurel's own verifier, both securing forms
    assert body(post(laurel.client, "/verify", None, {"credential": vc}))["result"] == "valid", cid
    assert body(post(laurel.client, "/verify", None, {"jwt": token}))["result"] == "valid", cid
    # the DCC verifier (Data Integrity, status list's own proof checked)
    result = dcc.verify(vc, laurel.web)
    assert result["errors"] == [] and result["verified"] is True, result
    # openbadgeslib: Data Integrity and VC-JWT, each key resolved from the credential alone
    pem = obl.key_pem(vc["proof"]["verificationMethod"], laurel.web, vc["issuer"]["id"])
    assert OB3LdpVerifier(pubkey_pem=pem).verify(vc, check_status=True, download=laurel.web.fetch,
                                                 verify_status_list=False).id == vc["id"]
    issuer = jwt.decode(token, options={"verify_signature": False})["iss"]
    pem = obl.key_pem(obl.jwt_header(token).get("kid"), laurel.web, issuer)
    credential = OB3Verifier(pubkey_pem=pem).verify(token, check_status=True, verify_status_list=False,
                                                    download=laurel.web.fetch)
    # openbadgeslib verifies a JWT status list with the credential's own key ("this verifier's
    # key is reused, since openbadges-publish signs the list with the same badge key"); after
    # a rotation the list is signed by whichever key was active when it was last published,
    # so its own proof is checked here, by openbadgeslib, with the key the list's `kid` names
    from openbadgeslib.ob3.status import check_credential_status

    list_url = jwt.decode(token, options={"verify_signature": False})["credentialStatus"]["statusListCredential"]
    list_pem = obl.key_pem(obl.jwt_header(laurel.web.fetch(list_url).decode()).get("kid"), laurel.web, issuer)
    check_credential_status(credential, download=laurel.web.fetch, verify_list=True, list_pubkey_pem=list_pem)


def test_rotating_twice_keeps_credentials_of_all_three_generations_verifying(laurel, operator):
    from chalicelib import cli

    first = laurel.credential("valid", "earner1@example.com")
    res = rotate(laurel.client, operator, {"kind": "ed25519"})
    assert res.status_code == 201, res.body
    assert body(res)["key"] == "ed25519-2"
    res = rotate(laurel.client, operator, {"kind": "rsa", "kms_key_id": new_kms_key()})
    assert res.status_code == 201, res.body
    second = laurel.credential("valid", "earner2@example.com")
    assert cli.main(["rotate-keys", "--kind", "ed25519"]) == 0
    assert cli.main(["rotate-keys", "--kind", "rsa", "--kms-key-id", new_kms_key()]) == 0
    third = laurel.credential("valid", "earner3@example.com")

    credentials = [laurel.ob3_json(c) for c in (first, second, third)]
    methods = [vc["proof"]["verificationMethod"] for vc in credentials]
    base = f"{BASE}/ob/v3/issuers/{laurel.tenant}/keys"
    assert methods == [f"{base}/ed25519-1", f"{base}/ed25519-2", f"{base}/ed25519-3"]
    kids = [obl.jwt_header(laurel.ob3_jwt(c))["kid"] for c in (first, second, third)]
    assert len(set(kids)) == 3, kids

    # every key stays published: profile, key URLs, did.json, JWKS
    profile = laurel.web.json(f"{BASE}/ob/v3/issuers/{laurel.tenant}")
    for key_url in methods + kids:
        assert key_url in profile["assertionMethod"], key_url
        assert laurel.web.json(key_url)["id"] == key_url
    did = laurel.web.json(f"{BASE}/ob/v3/issuers/{laurel.tenant}/did.json")
    names = {m["id"].rsplit("#", 1)[1] for m in did["verificationMethod"]}
    assert {"ed25519-1", "ed25519-2", "ed25519-3"} | {k.rsplit("/", 1)[1] for k in kids} <= names
    jwks = laurel.web.json(f"{BASE}/.well-known/jwks.json")
    assert KeySet.import_key_set(jwks) and {k["kid"] for k in jwks["keys"]} == {k.rsplit("/", 1)[1] for k in kids}
    # three different Ed25519 keys, not one under three names
    multibases = {laurel.web.json(m)["publicKeyMultibase"] for m in methods}
    assert len(multibases) == 3

    for cid in (first, second, third):
        _verify_all_ways(laurel, cid)


def test_generation_1_is_the_key_existing_credentials_were_signed_with(laurel):
    """Migration: the first Ed25519 generation is the seed Laurel derived from the
    session secret before issue 17, now held in its own secret, so proofs made before
    keep verifying; the session secret is no longer read for it."""
    import boto3

    from chalicelib.config import get_settings
    from chalicelib.openbadges.data_integrity import LocalEd25519Signer
    from chalicelib.services import signing

    cid = laurel.credential("valid", "earner4@example.com")
    expected = LocalEd25519Signer(signing.derived_key(b"laurel ed25519 v1"), key_id="x").public_key_multibase()
    key_url = laurel.ob3_json(cid)["proof"]["verificationMethod"]
    assert key_url.endswith("/ed25519-1")
    assert laurel.web.json(key_url)["publicKeyMultibase"] == expected
    # and under the id credentials signed before issue 18 name
    profile = laurel.web.json(f"{BASE}/ob/v3/issuers/{laurel.tenant}")
    old_id = f"{BASE}/ob/v3/issuers/{laurel.tenant}#ed25519-1"
    assert [m["publicKeyMultibase"] for m in profile["verificationMethod"] if m["id"] == old_id] == [expected]
    # the seed is in its own secret now (one version per generation)
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    import base64

    # (VersionStage named: moto answers a bare GetSecretValue with the secret's first version
    # even after UpdateSecretVersionStage moved AWSCURRENT; AWS answers AWSCURRENT)
    current = json.loads(sm.get_secret_value(SecretId=get_settings().ed25519_secret_id,
                                             VersionStage="AWSCURRENT")["SecretString"])
    assert current == {"generation": 1,
                       "seed": base64.urlsafe_b64encode(signing.derived_key(b"laurel ed25519 v1")).decode()}


def test_a_revoked_generation_1_credential_still_reads_revoked_after_two_rotations(laurel, operator):
    revoked = laurel.credential("revoked", "earner5@example.com")
    for _ in range(2):
        assert rotate(laurel.client, operator, {"kind": "ed25519"}).status_code == 201
        assert rotate(laurel.client, operator, {"kind": "rsa", "kms_key_id": new_kms_key()}).status_code == 201
    # a later revocation republishes the tenant's list, now signed by generation 3
    later = laurel.credential("revoked", "earner6@example.com")
    vc = laurel.ob3_json(revoked)
    assert vc["credentialStatus"]["statusListCredential"] == laurel.ob3_json(later)["credentialStatus"][
        "statusListCredential"]
    status_list = laurel.web.json(vc["credentialStatus"]["statusListCredential"])
    assert status_list["proof"]["verificationMethod"].endswith("/ed25519-3")
    as_jwt = laurel.web.fetch(vc["credentialStatus"]["statusListCredential"].replace(".json", ".jwt")).decode()
    newest = laurel.ob3_jwt(laurel.credential("valid", "earner7@example.com"))
    assert obl.jwt_header(as_jwt)["kid"] == obl.jwt_header(newest)["kid"]
    result = dcc.verify(vc, laurel.web)
    assert dcc.checks(result) == {"valid_signature": True, "issuer_did_resolves": True,
                                  "revocation_status": False, "expiration": True}, result
    assert body(post(laurel.client, "/verify", None, {"credential": vc}))["result"] == "revoked"
    assert body(post(laurel.client, "/verify", None, {"jwt": laurel.ob3_jwt(revoked)}))["result"] == "revoked"


@pytest.mark.parametrize("payload, status, code", [
    ({"kind": "ed448"}, 422, None),
    ({"kind": "rsa"}, 422, None),
    ({"kind": "ed25519", "kms_key_id": "x"}, 422, None),
    ({"kind": "rsa", "kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"},
     400, "invalid_kms_key"),
    ("encryption key", 400, "invalid_kms_key"),
])
def test_rotation_refuses_bad_input_and_changes_nothing(client, operator, payload, status, code):
    from chalicelib.services import signing

    signing.active_rsa_key()
    signing.ed25519_signer("0123456789abcdef")
    if payload == "encryption key":  # an RSA key KMS holds for encryption: it could never sign
        import boto3

        payload = {"kind": "rsa", "kms_key_id": boto3.client("kms", region_name="us-east-1").create_key(
            KeyUsage="ENCRYPT_DECRYPT", KeySpec="RSA_2048")["KeyMetadata"]["Arn"]}
    before = key_items()
    res = rotate(client, operator, payload)
    assert res.status_code == status, res.body
    if code:
        assert body(res)["error"]["code"] == code
    assert key_items() == before


def test_registering_the_active_kms_key_again_is_a_conflict(client, operator):
    from chalicelib.services import signing

    res = rotate(client, operator, {"kind": "rsa", "kms_key_id": signing.active_rsa_key().kms_key_id})
    assert res.status_code == 409, res.body
    assert body(res)["error"]["code"] == "key_exists"


def test_rotation_needs_an_operator_and_is_audited(client, operator):
    from chalicelib import cli

    assert client.http.post("/ops/keys/rotate", headers={"Content-Type": "application/json"},
                            body=json.dumps({"kind": "ed25519"})).status_code == 401
    assert rotate(client, operator, {"kind": "ed25519"}).status_code == 201
    assert cli.main(["rotate-keys", "--kind", "ed25519"]) == 0
    assert cli.main(["rotate-keys", "--kind", "rsa"]) == 2  # no key named: refused, not audited
    entries = body(client.http.get("/ops/audit", headers=op(operator)))["items"]
    done = sorted((e["actor"]["type"], e["action"], e["status"]) for e in entries if "rotate" in e["route"])
    assert done == [("operator", "POST /ops/keys/rotate", 201), ("operator_cli", "CLI rotate-keys", 0)], entries


def test_a_newly_deployed_kms_key_is_registered_and_the_old_one_stays_published(laurel, monkeypatch):
    """A deployment that names a new LAUREL_SIGNING_KEY_ID: the first container to sign
    registers it, the old key is retired but stays in the JWKS and the profile."""
    from chalicelib import config
    from chalicelib.services import caches

    old = laurel.credential("valid", "earner8@example.com")
    old_kid = obl.jwt_header(laurel.ob3_jwt(old))["kid"]
    monkeypatch.setenv("LAUREL_SIGNING_KEY_ID", new_kms_key())
    config.get_settings.cache_clear()
    caches.clear()  # a new deployment: new containers
    try:
        new = laurel.credential("valid", "earner9@example.com")
        new_kid = obl.jwt_header(laurel.ob3_jwt(new))["kid"]
        assert new_kid != old_kid
        jwks = laurel.web.json(f"{BASE}/.well-known/jwks.json")
        assert {k["kid"] for k in jwks["keys"]} == {old_kid.rsplit("/", 1)[1], new_kid.rsplit("/", 1)[1]}
        retired = [i for i in key_items() if i["sk"].startswith("SIGNKEY#") and i.get("retired_at")]
        assert [i["kid"] for i in retired] == [old_kid.rsplit("/", 1)[1]]
        for cid in (old, new):
            assert body(post(laurel.client, "/verify", None, {"jwt": laurel.ob3_jwt(cid)}))["result"] == "valid"
    finally:
        monkeypatch.undo()
        config.get_settings.cache_clear()


def test_the_active_ed25519_key_is_cached_per_container_for_a_while(laurel, monkeypatch):
    """A rotation made by another container reaches this one within KEY_TTL_SECONDS (and
    the active key is not re-read on every issuance)."""
    from chalicelib.services import caches, clock, signing

    first = laurel.credential("valid", "earner10@example.com")
    assert laurel.ob3_json(first)["proof"]["verificationMethod"].endswith("/ed25519-1")
    with monkeypatch.context() as elsewhere:  # another container rotates: this one's cache is untouched
        elsewhere.setattr(caches, "forget", lambda cache, key: None)
        signing.rotate_ed25519()
    method = laurel.ob3_json(laurel.credential("valid", "earner11@example.com"))["proof"]["verificationMethod"]
    assert method.endswith("/ed25519-1")
    real = clock.monotonic
    monkeypatch.setattr(clock, "monotonic", lambda: real() + signing.KEY_TTL_SECONDS + 1)
    method = laurel.ob3_json(laurel.credential("valid", "earner12@example.com"))["proof"]["verificationMethod"]
    assert method.endswith("/ed25519-2")


def test_an_operator_can_rotate_back_to_a_retired_kms_key(client, operator):
    """Second review: a rotation that turned out wrong (a key the functions cannot use) had no
    way back, because the old key is registered (409). Rotating to a retired key makes it
    the active one again; both stay published."""
    from chalicelib.adapters import kms
    from chalicelib.services import signing

    first = signing.active_rsa_key()
    second = kms.create_rsa_signing_key("the second VC-JWT key")
    assert rotate(client, operator, {"kind": "rsa", "kms_key_id": second}).status_code == 201
    assert signing.active_rsa_key().kms_key_id == second
    res = rotate(client, operator, {"kind": "rsa", "kms_key_id": first.kms_key_id})
    assert res.status_code == 201, res.body
    assert signing.active_rsa_key().kms_key_id == first.kms_key_id
    published = {k["kid"] for k in signing.jwks()["keys"]}
    assert first.kid in published and len(published) == 2


def test_two_containers_migrating_generation_1_at_once_both_sign(aws_env):
    """Two first requests after a deployment (two containers) both find no Ed25519 key and
    migrate generation 1 at once: each writes the seed as a pending version (the AWSPENDING
    label moves to the later one), one registration wins, and the winner's promotion must
    not fail when the label it read on its version moved meanwhile (it did:
    InvalidParameterException, a 500 when a bulk chunk and a single issuance raced)."""
    import boto3

    from chalicelib.adapters import aws, secrets
    from chalicelib.config import get_settings

    name = get_settings().ed25519_secret_id
    first = secrets.put_string(name, '{"seed": "a"}')
    sm = aws.client("secretsmanager")
    other: list[str] = []

    def the_other_container_writes(**_):  # between the winner's read of the labels and its write
        if not other:
            other.append(boto3.client("secretsmanager", region_name="us-east-1").put_secret_value(
                SecretId=name, SecretString='{"seed": "b"}', VersionStages=["AWSPENDING"])["VersionId"])

    sm.meta.events.register("before-call.secrets-manager.UpdateSecretVersionStage", the_other_container_writes)
    try:
        secrets.promote(name, first)  # the winner's promotion
    finally:
        sm.meta.events.unregister("before-call.secrets-manager.UpdateSecretVersionStage", the_other_container_writes)
    stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    assert other and "AWSCURRENT" in stages[first] and "AWSPENDING" in stages[other[0]]
