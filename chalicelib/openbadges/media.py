"""Which representation a credential's public URL answers with.

A credential's page URL (`/badges/{id}`) is the one URL Laurel prints everywhere (mail,
LinkedIn, share links). Browsers get the HTML page; a verifier asking for JSON-LD gets
the credential's Open Badges 3.0 document at the same URL. Open Badges 2.0,
"Publishing Badge Objects / Setting Content-Type":

    Badge Objects encoded in JSON-LD should be served with the `application/ld+json`
    content type by default. If the request indicates only `application/json` as the
    `Accept` type, responses should include `application/json` in the response content
    type. If request is made for `text/html` or other content-type above
    `application/ld+json` or `application/json`, the requested content-type may be
    returned.

`application/json` alone keeps Laurel's own JSON summary of the page (its long-standing
API, also at `/badges/{id}.json`), so a client that wants the Badge Object says so with
a JSON-LD type, as Laurel's own verifier does (`VERIFIER_ACCEPT`). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

HTML = "text/html"
JSON = "application/json"
LD_JSON = "application/ld+json"
VC_LD_JSON = "application/vc+ld+json"
VC_JWT = "application/vc+jwt"

# What each URL form offers, first = the default (no Accept header, or a tie).
PAGE_OFFERS = (HTML, LD_JSON, VC_LD_JSON, VC_JWT, JSON)  # /badges/{id}
JSON_OFFERS = (JSON, LD_JSON, VC_LD_JSON, VC_JWT)  # /badges/{id}.json: the JSON forms only
DOCUMENTS = (LD_JSON, VC_LD_JSON)  # the Open Badges 3.0 credential, as JSON-LD

# What Laurel's verifier asks any URL for, its own included: Badge Objects first.
VERIFIER_ACCEPT = f"{LD_JSON}, {VC_LD_JSON}, {JSON};q=0.9, */*;q=0.5"


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    out = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        kind, _, sub = media.partition("/")
        out.append((kind, sub, q))
    return out


def preferred(accept: str | None, offered: Sequence[str]) -> str:
    """The offer the Accept header ranks highest (RFC 9110 §12.5.1): each offer takes the
    quality of the most specific range that matches it; a tie goes to the more specific
    match (an exact `application/json` beats `*/*`), then to the earlier offer. With no
    Accept header, or none acceptable, the first offer (the header may be disregarded)."""
    ranges = _ranges(accept or "")
    best, best_rank = offered[0], (0.0, -1)
    for offer in offered:
        kind, _, sub = offer.partition("/")
        match = None  # (specificity, q) of the most specific matching range
        for r_kind, r_sub, q in ranges:
            if (r_kind, r_sub) == (kind, sub):
                specificity = 2
            elif r_kind == kind and r_sub == "*":
                specificity = 1
            elif (r_kind, r_sub) == ("*", "*"):
                specificity = 0
            else:
                continue
            if match is None or specificity > match[0]:
                match = (specificity, q)
        if match is None or match[1] <= 0:
            continue
        rank = (match[1], match[0])
        if rank > best_rank:  # strictly better: earlier offers win ties
            best, best_rank = offer, rank
    return best
