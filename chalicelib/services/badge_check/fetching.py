"""How the verifier reads documents: Laurel's own without HTTP, everyone else's through
the SSRF-hardened fetcher; JSON objects and validity dates checked the same way for all."""

from __future__ import annotations

import json
from typing import Any

from ...adapters import fetch as http_fetch
from ...config import get_settings
from ...domain.clock import parse_iso
from ...openbadges import media
from .. import clock
from .report import Failed, Report


def policy() -> http_fetch.Policy:
    local = get_settings().is_local
    return http_fetch.Policy(allow_http=local, allow_private=local)


def get(url: str, report: Report, what: str) -> tuple[int, bytes]:
    """Fetch `url` (our own documents without HTTP); a failure is a failed check."""
    settings = get_settings()
    if url.startswith(settings.public_base_url + "/"):
        return _local(url[len(settings.public_base_url):])
    from ...adapters import objects
    from ...store import object_keys

    key = objects.key_of_public_url(url)
    if key is not None and object_keys.is_public(key):  # our status lists, read from the bucket
        try:
            return 200, objects.get(key)
        except Exception:  # noqa: BLE001 - any S3 error is "not there" for a verifier
            return 404, b""
    try:
        got = http_fetch.fetch(url, policy(), accept=media.VERIFIER_ACCEPT)
    except http_fetch.FetchError as exc:
        report.check(f"fetch {what}", False, str(exc))
        raise Failed from exc
    return got.status, got.body


def _page(rest: str) -> Any:
    """`/badges/{id}` and `/badges/{id}.json` answered as the route answers a request
    with the verifier's Accept header (the same choice, see openbadges/media.py): the
    credential's Open Badges 3.0 document."""
    from .. import verification

    if "/" in rest:  # /badges/{id}/image and anything else below a page is not a document
        raise _NotADocument
    as_json = rest.endswith(".json")
    chosen = media.preferred(media.VERIFIER_ACCEPT, media.JSON_OFFERS if as_json else media.PAGE_OFFERS)
    return verification.document(rest.removesuffix(".json"), chosen)[1]


def _issuer_document(rest: str) -> Any:
    """`/ob/v3/issuers/{tenant}`: the profile; `/did.json`: the did:web document;
    `/keys/{name}`: one key."""
    from .. import openbadges

    tenant, _, below = rest.partition("/")
    if not below:
        return openbadges.profile_v3(tenant)
    if below == "did.json":
        return openbadges.did_document(tenant)
    if below.startswith("keys/") and "/" not in below[5:]:
        return openbadges.key_document(tenant, below[5:])
    raise _NotADocument


class _NotADocument(Exception):
    pass


def _local(path: str) -> tuple[int, bytes]:
    """Resolve one of Laurel's own public URLs through the same services the routes use,
    with the status and body the route would answer (so the verdict is the one a
    verifier elsewhere reaches over HTTP)."""
    from ...domain.errors import Gone, LaurelError
    from .. import openbadges, signing

    routes = [
        ("/badges/", _page),
        ("/ob/v2/assertions/", lambda rest: openbadges.badge_class(rest[:-6]) if rest.endswith("/badge")
         else openbadges.assertion(rest)),
        ("/ob/v2/issuers/", lambda rest: openbadges.revocation_list(rest[:-12]) if rest.endswith("/revocations")
         else openbadges.profile_v2(rest)),
        ("/ob/v3/credentials/", lambda rest: openbadges.credential(rest.removesuffix(".jwt"))["jwt" if rest.endswith(
            ".jwt") else "json"]),
        ("/ob/v3/issuers/", _issuer_document),
        ("/.well-known/jwks.json", lambda rest: signing.jwks()),
    ]
    for prefix, handler in routes:
        if path.startswith(prefix):
            try:
                doc = handler(path[len(prefix):])
            except _NotADocument:
                break
            except Gone as exc:  # revoked (an OB 2.0 revocation notice) or erased (the error body)
                return 410, json.dumps(exc.details if exc.details is not None else exc.to_body()).encode()
            except LaurelError as exc:
                return exc.status, json.dumps(exc.to_body()).encode()
            return 200, doc.encode() if isinstance(doc, str) else json.dumps(doc).encode()
    return 404, b""


def json_object(body: bytes, report: Report, what: str) -> dict:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        doc = None
    if not isinstance(doc, dict):
        report.check(f"{what} is JSON", False, "not a JSON object")
        raise Failed
    return doc


def dates(report: Report, valid_from: str | None, valid_until: str | None) -> None:
    now = clock.utcnow()
    try:
        start = parse_iso(valid_from) if valid_from else None
        end = parse_iso(valid_until) if valid_until else None
    except ValueError:
        report.check("dates", False, "dates are not ISO 8601")
        raise Failed from None
    if start and start > now:
        report.check("dates", False, f"not valid before {valid_from}")
        raise Failed
    report.expired = bool(end and end <= now)
    report.check("expiry", not report.expired, f"expired on {valid_until}" if report.expired else
                 (f"valid until {valid_until}" if end else "does not expire"))
