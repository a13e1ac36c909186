"""eddsa-rdfc-2022 Data Integrity proofs over vendored JSON-LD contexts.

Two published test vectors pin the implementation to the specifications:
the W3C "Data Integrity EdDSA Cryptosuites v1.0" eddsa-rdfc-2022 example
(w3c/vc-di-eddsa TestVectors/eddsa-rdfc-2022) and the 1EdTech Open Badges 3.0
implementation guide's "Linked Data Proof Test Vector" (VC 2.0 + OB context 3.0.3).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import socket

import pytest

from chalicelib.openbadges import data_integrity as di
from chalicelib.openbadges import jsonld

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
# Published content of EXAMPLES_V2, used only by the W3C vector (not vendored
# for production: an @vocab context would make every term "defined").
EXAMPLES_V2_DOC = {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}

ISSUER = "https://laurel.test/ob/v3/issuers/abc"
KEY_ID = ISSUER + "#key-1"
CREATED = "2026-03-01T12:00:00Z"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Nothing in this module may open a socket: contexts are vendored."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def sample_credential() -> dict:
    return {
        "@context": [VC_V2, OB_V3],
        "id": "urn:uuid:0b7e3c4a-8f7d-4f55-9a43-3c1e2d5b6a70",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Laurel Test Academy"},
        "validFrom": "2026-03-01T12:00:00Z",
        "name": "Team Player",
        "credentialSubject": {
            "id": "did:example:earner-1",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://laurel.test/ob/v3/achievements/team-player",
                "type": ["Achievement"],
                "name": "Team Player",
                "description": "Collaborates well within a group.",
                "criteria": {"narrative": "Nominated by three peers."},
            },
        },
    }


@pytest.fixture(scope="module")
def signer() -> di.LocalEd25519Signer:
    return di.LocalEd25519Signer(bytes(range(32)), KEY_ID)


# ------------------------------------------------------------ published vectors


def test_w3c_eddsa_rdfc_2022_test_vector():
    loader = jsonld.make_document_loader({EXAMPLES_V2: EXAMPLES_V2_DOC})
    key_id = "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    signer = di.LocalEd25519Signer.from_multibase(
        "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq", key_id
    )
    assert signer.public_key_multibase() == "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    unsigned = {
        "@context": [VC_V2, EXAMPLES_V2],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "name": "Alumni Credential",
        "description": "A minimum viable example of an Alumni Credential.",
        "issuer": "https://vc.example/issuers/5678",
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }
    proof_config = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": key_id,
        "proofPurpose": "assertionMethod",
        "@context": [VC_V2, EXAMPLES_V2],
    }
    assert jsonld.canonize(proof_config, loader=loader) == (
        '_:c14n0 <http://purl.org/dc/terms/created> "2023-02-24T23:36:38Z"'
        "^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n"
        "_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/security#DataIntegrityProof> .\n"
        '_:c14n0 <https://w3id.org/security#cryptosuite> "eddsa-rdfc-2022"'
        "^^<https://w3id.org/security#cryptosuiteString> .\n"
        "_:c14n0 <https://w3id.org/security#proofPurpose> "
        "<https://w3id.org/security#assertionMethod> .\n"
        f"_:c14n0 <https://w3id.org/security#verificationMethod> <{key_id}> .\n"
    )
    hash_data = (
        hashlib.sha256(jsonld.canonize(proof_config, loader=loader).encode()).digest()
        + hashlib.sha256(jsonld.canonize(unsigned, loader=loader).encode()).digest()
    )
    assert hash_data.hex() == (
        "4c4d3890a157f8d611b13c265c2c22f39aa0a567c7c7dd9ba3e45cd579784eeb"
        "517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017"
    )

    signed = di.add_proof(unsigned, signer, "2023-02-24T23:36:38Z", loader=loader)

    assert signed["proof"] == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": key_id,
        "proofPurpose": "assertionMethod",
        "proofValue": "z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78WkzctnMX5W4CrzcKnHw8V6dvy5pgWYCU5e9",
    }
    assert di.verify_proof(signed, signer.public_key_multibase(), loader=loader) == (True, "ok")


def test_1edtech_open_badges_3_test_vector():
    key_id = "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    signer = di.LocalEd25519Signer(
        bytes.fromhex("6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"), key_id
    )
    assert signer.public_key_multibase() == "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    credential = {
        "@context": [VC_V2, OB_V3],
        "id": "http://example.com/credentials/3527",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "https://example.edu/issuers/565049",
            "type": ["Profile"],
            "url": "https://www.imsglobal.org",
            "name": "Example Corp",
        },
        "validFrom": "2010-01-01T00:00:00Z",
        "name": "Teamwork Badge",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.com/achievements/21st-century-skills/teamwork",
                "type": ["Achievement"],
                "criteria": {
                    "narrative": "Team members are nominated for this badge by their peers and "
                    "recognized upon review by Example Corp management."
                },
                "description": "This badge recognizes the development of the capacity to "
                "collaborate within a group environment.",
                "name": "Teamwork",
            },
        },
    }
    document_hash = hashlib.sha256(jsonld.canonize(credential).encode()).hexdigest()
    assert document_hash == "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"

    signed = di.add_proof(credential, signer, "2010-01-01T19:23:24Z")

    assert signed["proof"]["proofValue"] == (
        "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr"
    )
    assert di.verify_proof(signed, signer.public_key_multibase()) == (True, "ok")


# ------------------------------------------------------------------ round trip


def test_sign_and_verify_round_trip(signer):
    credential = sample_credential()
    signed = di.add_proof(credential, signer, CREATED)

    assert credential == sample_credential()  # input untouched
    assert {k: v for k, v in signed.items() if k != "proof"} == credential
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == KEY_ID
    assert proof["created"] == CREATED
    assert proof["proofValue"].startswith("z")
    assert len(di.decode_base58btc(proof["proofValue"])) == 64
    # Survives a JSON round trip (what storage and HTTP do to it).
    assert di.verify_proof(json.loads(json.dumps(signed)), signer.public_key_multibase()) == (True, "ok")
    assert di.verify_proof(signed, signer.public_key_multibase(), expected_verification_method=KEY_ID)[0]


def test_signing_is_deterministic(signer):
    assert di.add_proof(sample_credential(), signer, CREATED) == di.add_proof(
        sample_credential(), signer, CREATED
    )


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"]["achievement"].__setitem__("name", "Team Captain"),
        lambda d: d["credentialSubject"].__setitem__("id", "did:example:someone-else"),
        lambda d: d["issuer"].__setitem__("name", "Another Academy"),
        lambda d: d.__setitem__("validFrom", "2026-03-02T12:00:00Z"),
        lambda d: d["proof"].__setitem__("created", "2026-03-01T12:00:01Z"),
        lambda d: d["proof"].__setitem__("verificationMethod", ISSUER + "#key-2"),
    ],
    ids=["achievement-name", "subject-id", "issuer-name", "validFrom", "proof-created", "proof-vm"],
)
def test_tampered_credential_fails(signer, tamper):
    signed = di.add_proof(sample_credential(), signer, CREATED)
    tamper(signed)
    ok, reason = di.verify_proof(signed, signer.public_key_multibase())
    assert not ok
    assert reason == "signature does not match"


def test_undefined_term_added_after_signing_fails(signer):
    # Without safe mode this would pass: the term is dropped by expansion, so
    # the canonical form (and the signature) would be unchanged.
    signed = di.add_proof(sample_credential(), signer, CREATED)
    signed["credentialSubject"]["achievement"]["grade"] = "A+"
    ok, reason = di.verify_proof(signed, signer.public_key_multibase())
    assert not ok
    assert "grade" in reason


def test_wrong_key_fails(signer):
    signed = di.add_proof(sample_credential(), signer, CREATED)
    other = di.LocalEd25519Signer(di.generate_seed(), KEY_ID)
    assert di.verify_proof(signed, other.public_key_multibase()) == (False, "signature does not match")


def test_wrong_verification_method_is_reported(signer):
    signed = di.add_proof(sample_credential(), signer, CREATED)
    ok, reason = di.verify_proof(
        signed, signer.public_key_multibase(), expected_verification_method=ISSUER + "#key-9"
    )
    assert (ok, reason) == (False, "proof names a different verificationMethod")


def _flip_char(value: str, index: int) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    replacement = alphabet[(alphabet.index(value[index]) + 1) % len(alphabet)]
    return value[:index] + replacement + value[index + 1 :]


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda v: _flip_char(v, 10), "signature does not match"),
        (lambda v: _flip_char(v, len(v) - 1), "signature does not match"),
        (lambda v: v[:-1] + "0", "proofValue is not multibase base58-btc"),  # '0' not in alphabet
        (lambda v: "u" + v[1:], "proofValue is not multibase base58-btc"),
        (lambda v: v[:20], "proofValue is not a 64-byte Ed25519 signature"),
    ],
)
def test_tampered_proof_value_fails(signer, mutate, reason):
    signed = di.add_proof(sample_credential(), signer, CREATED)
    signed["proof"]["proofValue"] = mutate(signed["proof"]["proofValue"])
    assert di.verify_proof(signed, signer.public_key_multibase()) == (False, reason)


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("type", "Ed25519Signature2020", "proof type is not DataIntegrityProof"),
        ("cryptosuite", "ecdsa-rdfc-2019", "cryptosuite is not eddsa-rdfc-2022"),
        ("proofPurpose", "authentication", "proofPurpose is not assertionMethod"),
        ("created", "yesterday", "proof created is not a dateTimeStamp"),
        ("verificationMethod", None, "proof has no verificationMethod"),
    ],
)
def test_proof_fields_are_checked(signer, field, value, reason):
    signed = di.add_proof(sample_credential(), signer, CREATED)
    signed["proof"][field] = value
    assert di.verify_proof(signed, signer.public_key_multibase()) == (False, reason)


@pytest.mark.parametrize(
    "document, key",
    [
        ("not a dict", None),
        ({}, None),
        ({"proof": 5}, None),
        ({"proof": [{}, {}]}, None),
        ({"proof": {"type": "DataIntegrityProof"}}, None),
        (None, None),
        ("signed", "not-a-multikey"),
        ("signed", "z6Mk"),
        ("signed", 12345),
        ("no-context", None),
    ],
)
def test_verify_never_raises(signer, document, key):
    signed = di.add_proof(sample_credential(), signer, CREATED)
    if document == "signed":
        document = signed
    elif document == "no-context":
        document = {k: v for k, v in signed.items() if k != "@context"}
    ok, reason = di.verify_proof(document, key if key is not None else signer.public_key_multibase())
    assert ok is False
    assert isinstance(reason, str) and reason


def test_proof_with_its_own_context_must_match_document(signer):
    signed = di.add_proof(sample_credential(), signer, CREATED)
    with_ctx = copy.deepcopy(signed)
    with_ctx["proof"]["@context"] = [VC_V2, OB_V3]
    assert di.verify_proof(with_ctx, signer.public_key_multibase()) == (True, "ok")
    with_ctx["proof"]["@context"] = [OB_V3]
    assert di.verify_proof(with_ctx, signer.public_key_multibase()) == (
        False,
        "proof @context does not match the document",
    )


# ----------------------------------------------------------- refusing to sign


def test_add_proof_refuses_unsound_input(signer):
    with pytest.raises(ValueError):
        di.add_proof({"id": "urn:x"}, signer, CREATED)  # no @context
    with pytest.raises(ValueError):
        di.add_proof(sample_credential(), signer, "2026-03-01 12:00")  # not a dateTimeStamp
    with pytest.raises(ValueError):
        di.add_proof(di.add_proof(sample_credential(), signer, CREATED), signer, CREATED)
    with pytest.raises(jsonld.UndefinedTermsError) as err:
        di.add_proof({**sample_credential(), "bogusTerm": 1}, signer, CREATED)
    assert err.value.terms == ["bogusTerm"]


def test_signer_key_validation():
    with pytest.raises(ValueError):
        di.LocalEd25519Signer(b"short", KEY_ID)
    with pytest.raises(ValueError):
        di.LocalEd25519Signer(bytes(32), "")
    assert "seed" not in repr(di.LocalEd25519Signer(bytes(32), KEY_ID))
    assert isinstance(di.LocalEd25519Signer(bytes(32), KEY_ID), di.Ed25519Signer)


# ------------------------------------------------------------ contexts / JSON-LD


def test_unknown_context_is_refused_without_network(signer):
    loader = jsonld.default_loader()
    for url in (
        "https://evil.example/context.json",
        "http://www.w3.org/ns/credentials/v2",  # no scheme guessing
        VC_V2 + "/",  # no trailing-slash guessing
        EXAMPLES_V2,
    ):
        with pytest.raises(jsonld.JsonLdError):
            loader(url, {})
    doc = {**sample_credential(), "@context": [VC_V2, OB_V3, "https://evil.example/context.json"]}
    with pytest.raises(jsonld.JsonLdError):
        jsonld.canonize(doc)
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand(doc)
    with pytest.raises(jsonld.JsonLdError):
        di.add_proof(doc, signer, CREATED)
    ok, reason = di.verify_proof({**doc, "proof": {**di.add_proof(sample_credential(), signer, CREATED)["proof"]}},
                                 signer.public_key_multibase())
    assert not ok and "vendored" in reason


def test_extra_contexts_do_not_leak_into_the_default_loader():
    extended = jsonld.make_document_loader({EXAMPLES_V2: EXAMPLES_V2_DOC})
    doc = {"@context": [VC_V2, EXAMPLES_V2], "type": "VerifiableCredential", "id": "urn:x", "foo": "bar"}
    assert jsonld.undefined_terms(doc, loader=extended) == []
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand(doc)  # default loader: not vendored, not cached from above
    with pytest.raises(ValueError):
        jsonld.make_document_loader({VC_V2: {"@context": {}}})  # cannot shadow a vendored URL


def test_undefined_terms():
    assert jsonld.undefined_terms(sample_credential()) == []
    assert jsonld.undefined_terms({**sample_credential(), "bogusTerm": "x"}) == ["bogusTerm"]
    nested = sample_credential()
    nested["credentialSubject"]["achievement"]["criteria"]["score"] = 10
    nested["credentialSubject"]["type"] = ["AchievementSubject", "MadeUpType"]
    assert jsonld.undefined_terms(nested) == ["MadeUpType", "score"]
    relative = sample_credential()
    relative["credentialSubject"]["id"] = "earner-1"
    assert jsonld.undefined_terms(relative) == ["@id earner-1"]


def test_canonize_is_deterministic():
    credential = sample_credential()
    first = jsonld.canonize(credential)
    assert jsonld.canonize(credential) == first

    def reverse_keys(value):
        if isinstance(value, dict):
            return {k: reverse_keys(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [reverse_keys(v) for v in value]
        return value

    assert jsonld.canonize(reverse_keys(credential)) == first
    assert first.endswith("\n")
    lines = first.splitlines()
    assert lines == sorted(lines)
    assert (
        "<did:example:earner-1> <https://purl.imsglobal.org/spec/vc/ob/vocab.html#achievement> "
        "<https://laurel.test/ob/v3/achievements/team-player> ."
    ) in lines


def test_canonize_safe_mode():
    with pytest.raises(jsonld.UndefinedTermsError):
        jsonld.canonize({**sample_credential(), "bogusTerm": 1}, safe=True)
    # Without safe mode the undefined term is simply absent.
    assert jsonld.canonize({**sample_credential(), "bogusTerm": 1}) == jsonld.canonize(sample_credential())


def test_vendored_contexts_are_the_published_ones():
    index = jsonld.context_index()
    assert set(index) == {
        VC_V2,
        OB_V3,
        "https://w3id.org/openbadges/v2",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/multikey/v1",
        # issue 18, rule 5: other published contexts widely used by OB 3.0 issuers (the verifier's)
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        "https://www.w3.org/2018/credentials/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "https://www.w3.org/ns/cid/v1",
        "https://www.w3.org/ns/did/v1",
    }
    # did/v1: byte for byte the did-context 3.1.1 npm package's contexts/did-v1.jsonld
    raw = (jsonld.CONTEXTS_DIR / index["https://www.w3.org/ns/did/v1"]).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == "62c1054bf404d6dd3a4b26b64f830fd72095f6a26edc4469908c94351352ce5f"
    for name in index.values():
        json.loads((jsonld.CONTEXTS_DIR / name).read_text(encoding="utf-8"))
    # VC Data Model 2.0 publishes this digest of its context (example of digestSRI).
    raw = (jsonld.CONTEXTS_DIR / index[VC_V2]).read_bytes()
    digest = base64.b64encode(hashlib.sha384(raw).digest()).decode()
    assert digest == "l/HrjlBCNWyAX91hr6LFV2Y3heB5Tcr6IeE4/Tje8YyzYBM8IhqjHWiWpr8+ZbYU"


def test_open_badges_2_context_expands():
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://laurel.test/ob/v2/assertions/1",
        "recipient": {"type": "email", "hashed": True, "identity": "sha256$abc"},
        "badge": "https://laurel.test/ob/v2/badges/1",
        "verification": {"type": "hosted"},
        "issuedOn": "2026-03-01T12:00:00Z",
    }
    assert jsonld.undefined_terms(assertion) == []
    assert "<https://w3id.org/openbadges#Assertion>" in jsonld.canonize(assertion)


# ------------------------------------------------------------------ Multikey


def test_multikey_document(signer):
    public = signer.public_key_multibase()
    assert public.startswith("z6Mk")
    assert di.decode_base58btc(public)[:2] == b"\xed\x01"
    doc = di.multikey_document(KEY_ID, ISSUER, public)
    assert doc == {
        "@context": "https://w3id.org/security/multikey/v1",
        "id": KEY_ID,
        "type": "Multikey",
        "controller": ISSUER,
        "publicKeyMultibase": public,
    }
    assert jsonld.undefined_terms(doc) == []
    with pytest.raises(ValueError):
        di.multikey_document(KEY_ID, ISSUER, "zNotAKey")


def test_base58btc_round_trip():
    for data in (b"", b"\x00", b"\x00\x00\x01", bytes(range(256)), b"\xff" * 64):
        assert di.decode_base58btc(di.encode_base58btc(data)) == data
    assert di.encode_base58btc(b"hello world") == "zStV1DL6CwTryKyV"


def test_pyld_default_loader_is_vendored_only():
    from pyld import jsonld as pyld_jsonld

    doc = {"@context": "https://evil.example/context.json", "name": "x"}
    with pytest.raises(jsonld.JsonLdError):
        pyld_jsonld.expand(doc)  # no loader passed: pyld's default must not fetch
    assert pyld_jsonld.get_document_loader()(VC_V2, {})["document"]["@context"]["@protected"] is True


def test_signing_in_several_threads_at_once_gives_each_the_same_proof(signer):
    """One process signs from several threads at once (the local runner's bulk worker beside
    the API, the race tests' workers): they share the process-wide loader's context caches
    and the pyld caches inside them. cachetools' caches are not thread-safe: an eviction in
    one thread while another reads or evicts raised KeyError('<uuid>') or 'OrderedDict
    mutated during iteration' out of a signing (tests/integration/test_bulk_race.py).
    A tiny switch interval makes the threads interleave inside the caches."""
    import sys
    import threading

    expected = di.add_proof(sample_credential(), signer, CREATED)
    results, errors = [], []

    def sign_many() -> None:
        for _ in range(100):
            try:
                results.append(di.add_proof(sample_credential(), signer, CREATED))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=sign_many) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(results) == 400 and all(r == expected for r in results)
