"""Open Badges 2.0 assertions: hosted (HostedBadge) and signed (SignedBadge, a JWS).

Follows the Open Badges 2.0 specification (https://www.imsglobal.org/spec/ob/v2p0/),
"Implementation > Verification"; the passages each check relies on are quoted where
the check is made.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import urlsplit

from ...domain import taxonomy
from .fetching import dates, get, json_object
from .report import Failed, Report

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
# The same context under the address w3id.org redirects to.
_OB2_CONTEXTS = (OB2_CONTEXT, "https://openbadgespec.org/v2/context.json")
# "Supported values for single assertion verification are `HostedBadge` and `SignedBadge`
# (aliases in context are available: `hosted` and `signed`)."
_HOSTED, _SIGNED = ("HostedBadge", "hosted"), ("SignedBadge", "signed")
# IdentityHash: "The only supported algorithms are MD5 and SHA-256, identified by the strings
# `md5` and `sha256` respectively. Resulting hash for each of these algorithms MUST be expressed
# in hexadecimal using uppercase (A-F, 0-9) or lowercase character (a-f, 0-9) sets."
IDENTITY_HASH = re.compile(r"(?:md5\$[0-9a-fA-F]{32}|sha256\$[0-9a-fA-F]{64})\Z")
# SignedBadge: "For compatibility purposes, using RSA-SHA256 is recommended." Only public-key
# algorithms: an HMAC or `none` would let anyone who read the issuer's public key "sign".
_JWS_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
_MAX_KEYS = 8  # keys tried per signed assertion (each is one fetch)


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _id_of(value: Any) -> Any:
    """An `@id`-valued property: the IRI itself, or an embedded document's `id`."""
    return value.get("id") if isinstance(value, dict) else value


def _verification_type(doc: dict) -> str | None:
    kinds = _listed((doc.get("verification") or doc.get("verify") or {}).get("type"))
    if any(k in _HOSTED for k in kinds):
        return "hosted"
    if any(k in _SIGNED for k in kinds):
        return "signed"
    return None


def is_assertion(doc: dict) -> bool:
    """An Open Badges 2.0 Assertion rather than an OB 3.0 credential: in the OB 2.0 context, or
    typed Assertion ("An array including `Assertion` and other string elements [...] are allowed")."""
    return any(c in _OB2_CONTEXTS for c in _listed(doc.get("@context"))) or "Assertion" in _listed(doc.get("type"))


def _context(doc: dict, report: Report, what: str) -> None:
    """Every Badge Object is JSON-LD in the Open Badges 2.0 context. The spec: "Each Badge Object
    is a valid JSON-LD (Linked Data) document" (Data Validation), and "If properties are included
    in JSON that cannot be mapped to JSON-LD terms defined in the object's `@context`, they are
    not considered part of the badge object's meaning": without the Open Badges context none of
    an Assertion's, BadgeClass's or Profile's terms mean anything. Extra contexts may follow
    ("@context":["https://w3id.org/openbadges/v2", {"foo": "http://example.org/foo"}])."""
    contexts = _listed(doc.get("@context"))
    report.check("json-ld context", any(c in _OB2_CONTEXTS for c in contexts),
                 f"the {what} is in the Open Badges 2.0 JSON-LD context" if any(c in _OB2_CONTEXTS for c in contexts)
                 else f"the {what} has no @context naming {OB2_CONTEXT} (found {str(doc.get('@context'))[:80]})")


def _fetch_document(url: Any, report: Report, what: str, types: tuple[str, ...]) -> dict:
    """GET `url` and require a JSON object of one of `types` in the OB 2.0 context."""
    status, body = get(url, report, what) if isinstance(url, str) else (0, b"")
    doc = json_object(body, report, what) if status == 200 else {}
    if not report.check(what, any(t in types for t in _listed(doc.get("type"))), str(url)):
        raise Failed
    _context(doc, report, what)
    return doc


def _recipient(assertion: dict, report: Report) -> None:
    """IdentityObject: "identity: Either the hash of the identity or the plaintext value",
    "hashed: Whether or not the `identity` value is hashed", "salt: [...] If this value is not
    provided, it should be assumed that the hash was not salted." A plaintext identity is
    compared with the address given as it is; a hashed one only as an IdentityHash."""
    recipient = assertion.get("recipient")
    if not isinstance(recipient, dict):
        report.check("recipient", False, "the assertion names no recipient (IdentityObject)")
        return
    identity, hashed, salt = recipient.get("identity"), recipient.get("hashed"), recipient.get("salt") or ""
    if not isinstance(hashed, bool) or not isinstance(identity, str) or not isinstance(salt, str):
        report.check("recipient", False, "the recipient's identity, hashed (a boolean) or salt has the wrong type")
    elif hashed and not IDENTITY_HASH.match(identity):
        report.check("recipient", False, "hashed is true but the identity is not an md5$ or sha256$ hash")
    else:
        report.recipient_hashes.append((identity if hashed else identity.strip().lower(), salt if hashed else ""))


def _same_instant(a: Any, b: Any) -> bool:
    from ...domain.clock import parse_iso

    if a == b:
        return True
    try:
        return isinstance(a, str) and isinstance(b, str) and parse_iso(a) == parse_iso(b)
    except ValueError:
        return False


def _differences(given: dict, hosted: dict) -> list[str]:
    """Where a copy of an assertion (baked in an image, or pasted) says something else than
    the hosted one: "If starting with a full assertion that indicates `HostedBadge`
    verification, the input data should only be trusted to identify the URI of the hosted
    verification file, and upon loading the hosted verification file, the retrieved data
    should be used as the Assertion value." A copy that disagrees on who, what or when is
    not the badge the issuer hosts (issue 18: any difference in recipient, badge or dates)."""
    out = []
    if given.get("id") != hosted.get("id"):
        out.append("id")
    fields = ("type", "identity", "hashed", "salt")
    mine, theirs = given.get("recipient"), hosted.get("recipient")
    if not (isinstance(mine, dict) and isinstance(theirs, dict)) or \
            any(mine.get(f) != theirs.get(f) for f in fields):
        out.append("recipient")
    if _id_of(given.get("badge")) != _id_of(hosted.get("badge")):
        out.append("badge")
    out += [name for name in ("issuedOn", "expires") if not _same_instant(given.get(name), hosted.get(name))]
    return out


def _revocation_list(issuer: dict, assertion: dict, report: Report) -> None:
    """RevocationList: "If you find the badge in the `revokedAssertions` list, it has been
    revoked. An assertion reference may look like {"id": ..., "revocationReason": ...} or simply
    the string [id]. A UID-based reference may look like {"uid": ..., "revocationReason": ...}"."""
    url = issuer.get("revocationList")
    if not isinstance(url, str):
        if _verification_type(assertion) == "signed":
            report.check("revocation", True, "the issuer publishes no revocation list")
        return
    # Data Validation: "Any relevant optional Badge Objects that are linked (such as
    # `RevocationList`s) are available."
    status, body = get(url, report, "revocation list")
    if not report.check("revocation list", status == 200, f"{url} answered {status}"):
        return
    listed = json_object(body, report, "revocation list").get("revokedAssertions") or []
    ident, uid = assertion.get("id"), assertion.get("uid")

    def names(entry: Any) -> bool:
        if isinstance(entry, str):
            return entry == ident
        return isinstance(entry, dict) and entry.get("revoked", True) is not False and (
            (ident is not None and entry.get("id") == ident) or (uid is not None and entry.get("uid") == uid))

    hit = next((r for r in _listed(listed) if names(r)), None)
    report.revoked = hit is not None
    reason = hit.get("revocationReason", "") if isinstance(hit, dict) else ""
    report.check("revocation", hit is None, f"listed as revoked: {reason or 'no reason given'}" if hit is not None
                 else "not in the revocation list")


def _summarise(assertion: dict, badge: dict, issuer: dict, report: Report) -> None:
    report.summary = {"name": badge.get("name"), "issuer": issuer.get("name"), "issued_at": assertion.get("issuedOn"),
                      "expires_at": assertion.get("expires"), "image": _id_of(badge.get("image")),
                      "id": assertion.get("id"),
                      # issue 20: the skills it names (tags, alignments; an ESCO skill with its URI)
                      "skills": taxonomy.badge_skills(badge.get("tags"), badge.get("alignment"))}


def _revoked_notice(notice: dict, report: Report) -> None:
    """Revoking Hosted Assertions: "If either the `410 Gone` status or a response body
    declaring `revoked` true is returned, the Assertion should be treated as revoked and thus
    invalid." "For revoked Assertions, only `id` and `revoked` are required.\""""
    report.revoked = True
    error = notice["error"] if isinstance(notice.get("error"), dict) else {}  # Laurel's erased credentials
    reason = notice.get("revocationReason") or error.get("message") or "no reason given"
    report.check("revocation", False, f"revoked: {reason}")


def verify_assertion(doc: dict, report: Report) -> None:
    """An assertion given as JSON (pasted, baked, or what its URL answered)."""
    report.format = "Open Badges 2.0"
    if not report.check("type", "Assertion" in _listed(doc.get("type")), str(doc.get("type"))):
        raise Failed
    kind = _verification_type(doc)
    if kind == "signed":
        report.check("verification type", False, "a SignedBadge assertion is verified from its JWS, "
                     "and this one came without its signature")
        raise Failed
    if not report.check("verification type", kind == "hosted" or doc.get("revoked") is True, str(kind)):
        raise Failed
    # HostedBadge: "Hosted badge Assertions that have an HTTP(s) `id` simply need to declare a
    # verification type of `HostedBadge`, and verification will use the Assertion's `id` property."
    assertion_id = doc.get("id")
    if not isinstance(assertion_id, str):
        report.check("hosted assertion", False, "a hosted assertion's id is the URL it is hosted at; this one has none")
        raise Failed
    status, body = get(assertion_id, report, "assertion")
    if status == 410:
        notice = json_object(body, report, "revocation") if body else {}
        _revoked_notice(notice, report)
        hosted = doc
        if not isinstance(doc.get("badge"), (str, dict)):  # only the revocation notice is left to see
            report.summary = {"id": assertion_id}
            return
    else:
        if not report.check("hosted assertion", status == 200, f"{assertion_id} answered {status}"):
            raise Failed
        hosted = json_object(body, report, "hosted assertion")
        if hosted.get("revoked") is True:
            _revoked_notice(hosted, report)
            report.summary = {"id": assertion_id}
            return
        _context(hosted, report, "assertion")
        differ = _differences(doc, hosted)
        report.check("matches hosted copy", not differ, "the hosted copy says the same" if not differ
                     else "the copy given differs from the hosted one in: " + ", ".join(differ))
    badge = _fetch_document(_id_of(hosted.get("badge")), report, "badge class", ("BadgeClass",))
    issuer = _fetch_document(_id_of(badge.get("issuer")), report, "issuer profile", ("Profile", "Issuer"))
    same_origin = urlsplit(assertion_id).netloc == urlsplit(issuer.get("id") or _id_of(badge.get("issuer"))).netloc
    report.check("issuer origin", same_origin, "the assertion is hosted on the issuer's own origin")
    _recipient(hosted, report)
    if not report.revoked and hosted.get("issuedOn") is None:
        report.check("dates", False, "the assertion has no issuedOn")
        raise Failed
    dates(report, hosted.get("issuedOn"), hosted.get("expires"))
    if not report.revoked:
        _revocation_list(issuer, hosted, report)
    _summarise(hosted, badge, issuer, report)


# ------------------------------------------------------------------ SignedBadge (JWS)


def _b64_json(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def signed_payload(token: str) -> dict | None:
    """The (unverified) payload of a compact JWS when it is an Open Badges 2.0 Assertion,
    else None (an OB 3.0 VC-JWT, or not a JWS at all)."""
    try:
        payload = _b64_json(token.split(".")[1])
    except (ValueError, IndexError):
        return None
    if not isinstance(payload, dict) or "vc" in payload:
        return None
    in_ob2 = any(c in _OB2_CONTEXTS for c in _listed(payload.get("@context")))
    return payload if in_ob2 or "Assertion" in _listed(payload.get("type")) else None


def _public_key(pem: Any) -> Any:
    from joserfc.jwk import ECKey, RSAKey

    for kind in (RSAKey, ECKey):
        try:
            return kind.import_key(pem)
        except (ValueError, TypeError):
            continue
    return None


def _trusted_keys(assertion: dict, issuer: dict, report: Report) -> list:
    """SignedBadge verification, step 4: "Determine the correct signing key `id`(s) to test
    against the signature from the valid issuer Profile and Assertion VerificationObject. Do not
    trust a key that is not properly linked from the issuer Profile." `creator`: "If not
    present, verifiers will check public key(s) declared in the referenced issuer Profile. If a
    key is declared here, it must be authorized in the issuer Profile as well." CryptographicKey
    `owner`: "There should be a two-way connection between this Profile and the
    CryptographicKey through the `owner` and `publicKey` properties." Step 5: "Perform an HTTP
    GET request on the trusted keys. If it is impossible to get a usable public key, the
    Assertion cannot be verified." """
    declared = [k for k in (_id_of(k) for k in _listed(issuer.get("publicKey"))) if isinstance(k, str)]
    creator = _id_of((assertion.get("verification") or assertion.get("verify") or {}).get("creator"))
    if creator is not None and creator not in declared:
        report.check("signing key", False, f"{creator} is not one of the keys the issuer profile lists (publicKey)")
        raise Failed
    candidates: list = [creator] if creator is not None else declared
    if not candidates:
        report.check("signing key", False, "the issuer profile lists no publicKey")
        raise Failed
    usable = []
    for key_id in candidates[:_MAX_KEYS]:
        status, body = get(key_id, report, "signing key")
        key_doc = json_object(body, report, "signing key") if status == 200 else {}
        owner = _id_of(key_doc.get("owner"))
        key = _public_key(key_doc.get("publicKeyPem")) if isinstance(key_doc.get("publicKeyPem"), str) else None
        if status != 200 or key_doc.get("id", key_id) != key_id:
            report.check("signing key", False, f"{key_id} answered {status} with no CryptographicKey of that id")
        elif owner != issuer.get("id"):
            report.check("signing key", False, f"{key_id} belongs to {owner}, not to the issuer {issuer.get('id')}")
        elif key is None:
            report.check("signing key", False, f"{key_id} holds no usable publicKeyPem")
        else:
            usable.append((key_id, key))
    if not usable:
        raise Failed
    return usable


def verify_signed(token: str, report: Report) -> None:
    """SignedBadge Verification ("Steps to verify a JWS-signed badge Assertion"): decode and
    parse the payload (1-2), validate the Assertion, BadgeClass and issuer Profile (3), keys
    linked from the Profile (4-5), the JWS against each (6), the revocation list (7)."""
    from joserfc import jws
    from joserfc.errors import JoseError

    report.format = "Open Badges 2.0 (signed)"
    try:
        header = _b64_json(token.split(".")[0])
        doc = _b64_json(token.split(".")[1])
    except (ValueError, IndexError):
        doc = header = None
    # "If the parsing operation fails, assertion MUST be treated as invalid."
    if not report.check("JWS structure", isinstance(header, dict) and isinstance(doc, dict), "header and payload") \
            or not isinstance(doc, dict) or not isinstance(header, dict):
        raise Failed
    _context(doc, report, "assertion")
    if not report.check("type", "Assertion" in _listed(doc.get("type")), str(doc.get("type"))):
        raise Failed
    if not report.check("verification type", _verification_type(doc) == "signed",
                        "SignedBadge" if _verification_type(doc) == "signed" else "a JWS must declare SignedBadge"):
        raise Failed
    badge_ref = doc.get("badge")  # "IRI or document that describes the type of badge being awarded"
    if isinstance(badge_ref, dict):  # embedded, and so covered by the signature
        badge = badge_ref
        if not report.check("badge class", "BadgeClass" in _listed(badge.get("type")), str(badge.get("id"))):
            raise Failed
    else:
        badge = _fetch_document(badge_ref, report, "badge class", ("BadgeClass",))
    # the Profile is always read from its own id: keys listed in a copy inside the signed
    # payload would be the signer's word about itself
    issuer = _fetch_document(_id_of(badge.get("issuer")), report, "issuer profile", ("Profile", "Issuer"))
    if not report.check("issuer profile", issuer.get("id") == _id_of(badge.get("issuer")),
                        "the profile's id is the badge class's issuer"):
        raise Failed
    keys = _trusted_keys(doc, issuer, report)
    alg = header.get("alg")
    if not report.check("signature", alg in _JWS_ALGORITHMS, f"{alg}: only public-key JWS algorithms are accepted"
                        if alg not in _JWS_ALGORITHMS else str(alg)):
        raise Failed
    # Step 6: "With each trusted public key, perform a JWS verification on the JWS object. If
    # the verification fails, assertion MUST be treated as invalid."
    verified_by = None
    for key_id, key in keys:
        try:
            jws.deserialize_compact(token, key, algorithms=[str(alg)])
        except (JoseError, ValueError, TypeError):
            continue
        verified_by = key_id
        break
    if not report.check("signature", verified_by is not None, f"{alg} with key {verified_by}" if verified_by
                        else "no key the issuer lists verifies this JWS"):
        raise Failed
    report.check("signing key", True, f"{verified_by}, owned by the issuer and listed in its profile")
    _recipient(doc, report)
    if doc.get("issuedOn") is None:
        report.check("dates", False, "the assertion has no issuedOn")
        raise Failed
    dates(report, doc.get("issuedOn"), doc.get("expires"))
    _revocation_list(issuer, doc, report)
    _summarise(doc, badge, issuer, report)
