"""JSON-LD contexts for verifying other issuers' credentials (issue 18, rule 5).

"JSON-LD contexts: vendor the published OB 3.0 contexts including the extensions context,
and other widely used ones; anything else is fetched through the SSRF-safe fetcher,
size-capped, cached, and only from an allow-list; undefined terms make a credential
invalid (as JSON-LD processing says), for JWTs too."

The vendored contexts are served from `openbadges/contexts/` (never fetched). Any other
context URL must start with one of `Settings.jsonld_context_allow` (config.py), and so must
the URL it finally answers from after redirects; it is fetched with the verifier's SSRF
policy, capped at MAX_CONTEXT_BYTES, must be a JSON object with `@context`, and is kept for
CACHE_SECONDS (per process; a refusal is not cached).
"""

from __future__ import annotations

import dataclasses
import json
import threading
from typing import Any

from cachetools import TTLCache

from ...adapters import fetch as http_fetch
from ...config import get_settings
from ...openbadges import jsonld
from . import fetching

MAX_CONTEXT_BYTES = 256 * 1024
CACHE_SECONDS = 3600

_cache: TTLCache = TTLCache(maxsize=128, ttl=CACHE_SECONDS)
_lock = threading.Lock()
_loader: jsonld.FetchingDocumentLoader | None = None


def _refuse(url: str, why: str) -> jsonld.JsonLdError:
    return jsonld.JsonLdError(f"context {url}: {why}", "jsonld.LoadDocumentError", {"url": url},
                              code="loading document failed")


def _allowed(url: str) -> bool:
    return any(url.startswith(prefix) for prefix in get_settings().jsonld_context_allow)


def fetch_context(url: str) -> Any:
    if not isinstance(url, str) or not _allowed(url):
        raise _refuse(str(url), "not vendored and not on the allow-list")
    with _lock:
        cached = _cache.get(url)
    if cached is not None:
        return cached
    policy = dataclasses.replace(fetching.policy(), max_bytes=MAX_CONTEXT_BYTES)
    try:
        got = http_fetch.fetch(url, policy, accept="application/ld+json, application/json;q=0.9")
    except http_fetch.FetchError as exc:
        raise _refuse(url, str(exc)) from None
    if got.status != 200 or not _allowed(got.url):
        raise _refuse(url, f"answered {got.status} from {got.url}")
    try:
        document = json.loads(got.body)
    except ValueError:
        document = None
    if not isinstance(document, dict) or "@context" not in document:
        raise _refuse(url, "not a JSON-LD context document")
    with _lock:
        _cache[url] = document
    return document


def loader() -> jsonld.FetchingDocumentLoader:
    """The process-wide loader: vendored contexts, then allow-listed fetches."""
    global _loader
    if _loader is None:
        with _lock:
            if _loader is None:
                _loader = jsonld.fetching_loader(fetch_context)
    return _loader


def reason(exc: BaseException) -> str:
    """Why JSON-LD processing failed, in one line (pyld wraps the loader's refusal)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, jsonld.JsonLdError) and seen.type == "jsonld.LoadDocumentError":
            return str(seen.args[0])
        seen = seen.__cause__ or seen.__context__
    if isinstance(exc, jsonld.JsonLdError):
        url = (exc.details or {}).get("url") if isinstance(exc.details, dict) else None
        return f"{exc.args[0] if exc.args else exc.type}" + (f" ({url})" if url else "")
    return exc.__class__.__name__


def undefined_terms(document: dict) -> list[str]:
    """What `document` uses that its contexts do not define (raises JsonLdError when a
    context cannot be had)."""
    return jsonld.undefined_terms(document, loader=loader())
