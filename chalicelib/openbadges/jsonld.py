"""JSON-LD processing over vendored contexts only.

Why this module exists: signing and verifying Data Integrity proofs needs JSON-LD
expansion and RDF Dataset Canonicalization (RDFC-1.0), and both need the
`@context` documents a credential names. Fetching them at run time would make
every issue and verification depend on third-party web servers (and let whoever
controls those servers change what a signature means), so Laurel ships exact
copies under `contexts/` and this loader serves those and nothing else. Any
other URL raises `JsonLdError`; nothing is ever fetched.

pyld's own caches are process-global and keyed only by URL, so a context resolved
through one loader would be served to every other loader. Each
`VendoredDocumentLoader` therefore carries its own resolved-context cache, and
every call here passes a resolver bound to it. Importing this module also
replaces pyld's process-wide default loader (an HTTP fetcher) with the vendored
one, so no pyld call in the process can reach the network.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from pyld import jsonld as _pyld
from pyld import resolved_context as _pyld_resolved_context
from pyld.context_resolver import ContextResolver
from pyld.jsonld import JsonLdError

__all__ = [
    "CONTEXTS_DIR",
    "JsonLdError",
    "UndefinedTermsError",
    "VendoredDocumentLoader",
    "canonize",
    "context_index",
    "default_loader",
    "expand",
    "fetching_loader",
    "make_document_loader",
    "undefined_terms",
]

CONTEXTS_DIR = Path(__file__).parent / "contexts"
_INDEX_FILE = CONTEXTS_DIR / "index.json"

# Same shape test pyld uses for "absolute IRI" (a scheme, or "_" for blank nodes).
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):\S*$")

_RESOLVED_CACHE_SIZE = 64


class _SharedLRUCache(LRUCache):
    """An LRU cache several threads may use at once. One process signs and verifies from
    several threads (the local runner's queue workers beside each other, the race tests'
    workers), and the loaders' caches, with the pyld caches inside them, are shared:
    cachetools' caches are not thread-safe (an eviction in one thread while another reads
    or evicts raises KeyError or "OrderedDict mutated during iteration"). Every operation
    that reads or reorders the cache holds the lock; reentrant, as a full cache's
    `__setitem__` calls `popitem`."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self._lock = threading.RLock()

    def __getitem__(self, key: Any) -> Any:
        with self._lock:
            return super().__getitem__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._lock:
            super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        with self._lock:
            super().__delitem__(key)

    def __contains__(self, key: Any) -> bool:
        with self._lock:
            return super().__contains__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            return super().get(key, default)

    def pop(self, key: Any, *default: Any) -> Any:
        with self._lock:
            return super().pop(key, *default)

    def popitem(self) -> Any:
        with self._lock:
            return super().popitem()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            return super().setdefault(key, default)

    def clear(self) -> None:
        with self._lock:
            super().clear()


# pyld's own caches: each resolved context's cache of processed contexts (the one the bulk
# race test saw fail), and the module-wide ones, made the same way.
_pyld_resolved_context.LRUCache = _SharedLRUCache
_pyld._resolved_context_cache = _SharedLRUCache(_pyld.RESOLVED_CONTEXT_CACHE_MAX_SIZE)
_pyld._inverse_context_cache = _SharedLRUCache(_pyld.INVERSE_CONTEXT_CACHE_MAX_SIZE)


class UndefinedTermsError(ValueError):
    """The document uses terms that its contexts do not define.

    Such terms vanish during expansion, so a proof over the document would not
    cover them while a reader of the JSON would still see them.
    """

    def __init__(self, terms: list[str]) -> None:
        self.terms = terms
        super().__init__("terms that do not expand to an absolute IRI: " + ", ".join(terms))


class VendoredDocumentLoader:
    """A pyld document loader over a fixed URL -> JSON document mapping.

    URLs must match exactly (no redirects, no scheme or trailing-slash
    guessing: the published credentials use the canonical URLs). Served
    documents are deep copies, so pyld can never alter the vendored originals.
    """

    def __init__(self, documents: Mapping[str, Any]) -> None:
        self._documents: dict[str, Any] = dict(documents)
        self._lock = threading.Lock()
        # Per-loader cache of resolved contexts (see module docstring).
        self.resolved_cache: LRUCache = _SharedLRUCache(_RESOLVED_CACHE_SIZE)
        # Per-loader cache of processed top-level contexts (see _process_context_cached).
        self.processed_cache: LRUCache = _SharedLRUCache(_RESOLVED_CACHE_SIZE)

    @property
    def urls(self) -> frozenset[str]:
        return frozenset(self._documents)

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        document = self._documents.get(url) if isinstance(url, str) else None
        if document is None:
            raise JsonLdError(
                "Refusing to load a JSON-LD document that is not vendored.",
                "jsonld.LoadDocumentError",
                {"url": url},
                code="loading document failed",
            )
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(document),
            # "static" lets pyld's resolver cache the processed context by URL.
            "tag": "static",
        }

    def options(self, **extra: Any) -> dict[str, Any]:
        """Processing options that route every lookup through this loader."""
        opts: dict[str, Any] = {
            "documentLoader": self,
            "contextResolver": ContextResolver(self.resolved_cache, self),
            "processingMode": "json-ld-1.1",
            # None keeps relative IRIs relative (pyld would otherwise resolve them
            # against http://example.org/base/), so they are reported, not minted.
            "base": None,
        }
        opts.update(extra)
        return opts


def context_index() -> dict[str, str]:
    """The vendored contexts: URL -> file name under `contexts/`."""
    with _INDEX_FILE.open(encoding="utf-8") as fh:
        index = json.load(fh)
    if not isinstance(index, dict):
        raise ValueError("contexts/index.json must map URL -> file name")
    return {str(url): str(name) for url, name in index.items()}


def _load_vendored() -> dict[str, Any]:
    documents: dict[str, Any] = {}
    for url, name in context_index().items():
        path = (CONTEXTS_DIR / name).resolve()
        if path.parent != CONTEXTS_DIR.resolve():
            raise ValueError(f"context file outside contexts/: {name}")
        with path.open(encoding="utf-8") as fh:
            documents[url] = json.load(fh)
    return documents


_default_loader: VendoredDocumentLoader | None = None
_default_lock = threading.Lock()


def default_loader() -> VendoredDocumentLoader:
    """The process-wide loader over the vendored contexts (built on first use)."""
    global _default_loader
    if _default_loader is None:
        with _default_lock:
            if _default_loader is None:
                _default_loader = VendoredDocumentLoader(_load_vendored())
    return _default_loader


def _vendored_only(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return default_loader()(url, options)


# pyld processes a document's top-level `@context` (the same few vendored URLs for every
# Open Badges credential) into an active context on every expansion: about half of the
# time of signing one credential. The result depends only on the URLs, the loader that
# serves them and the processing options, so each loader keeps it; every caller gets its
# own copy of the top level and of the term map (pyld extends contexts by copying, it
# does not change a processed one in place).
_process_context = _pyld.JsonLdProcessor._process_context
_INITIAL_KEYS = frozenset({"_uuid", "processingMode", "mappings"})


def _process_context_cached(self: Any, active_ctx: Any, local_ctx: Any, options: Any, override_protected: bool = False,
                            propagate: bool = True, validate_scoped: bool = True, cycles: Any = None) -> Any:
    cache = getattr(options.get("documentLoader"), "processed_cache", None)
    cacheable = (cache is not None and not active_ctx.get("mappings") and set(active_ctx) <= _INITIAL_KEYS
                 and not override_protected and propagate and not cycles and isinstance(local_ctx, list)
                 and local_ctx and all(isinstance(c, str) for c in local_ctx))
    if not cacheable or cache is None:
        return _process_context(self, active_ctx, local_ctx, options, override_protected, propagate,
                                validate_scoped, cycles)
    key = (tuple(local_ctx), active_ctx.get("processingMode"), options.get("base"), validate_scoped)
    processed = cache.get(key)
    if processed is None:
        processed = _process_context(self, active_ctx, local_ctx, options, override_protected, propagate,
                                     validate_scoped, cycles)
        cache[key] = processed
    return {**processed, "mappings": dict(processed["mappings"])}


_pyld.JsonLdProcessor._process_context = _process_context_cached

# pyld's own default loader fetches over HTTP. Replace it process-wide so that a
# pyld call anywhere that forgets to pass a loader still cannot reach the network.
_pyld.set_document_loader(_vendored_only)


class FetchingDocumentLoader(VendoredDocumentLoader):
    """The vendored contexts, and any other URL through `fetch(url) -> document`.

    For verifying other issuers' credentials (issue 18, rule 5): their contexts may not be
    vendored. `fetch` is the caller's (this module does no I/O): it decides which URLs may be
    fetched (an allow-list), how (the SSRF-safe fetcher, size-capped) and caches the answers;
    it raises `JsonLdError` to refuse. Vendored URLs are never fetched.
    """

    def __init__(self, documents: Mapping[str, Any], fetch: Callable[[str], Any]) -> None:
        super().__init__(documents)
        self._fetch = fetch

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        if isinstance(url, str) and url in self._documents:
            return super().__call__(url, options)
        document = self._fetch(url)
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": copy.deepcopy(document), "tag": None}


def fetching_loader(fetch: Callable[[str], Any]) -> FetchingDocumentLoader:
    """A loader over the vendored contexts that asks `fetch` for any other URL."""
    return FetchingDocumentLoader(_load_vendored(), fetch)


def make_document_loader(extra: Mapping[str, Any] | None = None) -> VendoredDocumentLoader:
    """A new loader over the vendored contexts plus `extra` (URL -> document).

    For tests and for deliberately adding a context without touching the
    process-wide loader. `extra` cannot replace a vendored URL.
    """
    documents = _load_vendored()
    for url, document in (extra or {}).items():
        if url in documents:
            raise ValueError(f"{url} is already vendored")
        documents[url] = copy.deepcopy(document)
    return VendoredDocumentLoader(documents)


def _loader(loader: VendoredDocumentLoader | None) -> VendoredDocumentLoader:
    return loader if loader is not None else default_loader()


def _expand(
    doc: Any, loader: VendoredDocumentLoader, on_dropped: Callable[[str | None], Any]
) -> list[Any]:
    return _pyld.expand(doc, loader.options(), on_property_dropped=on_dropped)


def expand(doc: Any, *, loader: VendoredDocumentLoader | None = None) -> list[Any]:
    """JSON-LD 1.1 expansion using only vendored contexts."""
    return _expand(doc, _loader(loader), _pyld.noop)


def _walk_nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _walk_nodes(item)
    elif isinstance(value, dict):
        yield value
        for key, item in value.items():
            if key in ("@value", "@json"):  # literals: nothing below is a term
                continue
            yield from _walk_nodes(item)


def _silently_lost(expanded: list[Any], dropped: list[str | None]) -> list[str]:
    lost: set[str] = set()
    for term in dropped:
        lost.add(term if term is not None else "(term mapped to null)")
    for node in _walk_nodes(expanded):
        if "@value" in node:
            continue  # a value object's @type is a datatype, checked by pyld
        types = node.get("@type", [])
        for t in types if isinstance(types, list) else [types]:
            if isinstance(t, str) and not _ABSOLUTE_IRI.match(t):
                lost.add(t)
        node_id = node.get("@id")
        if isinstance(node_id, str) and not _ABSOLUTE_IRI.match(node_id):
            lost.add(f"@id {node_id}")
    return sorted(lost)


def _expand_checked(doc: Any, loader: VendoredDocumentLoader) -> tuple[list[Any], list[str]]:
    dropped: list[str | None] = []
    expanded = _expand(doc, loader, dropped.append)
    return expanded, _silently_lost(expanded, dropped)


def undefined_terms(doc: Any, *, loader: VendoredDocumentLoader | None = None) -> list[str]:
    """What in `doc` would silently vanish from its RDF form, sorted.

    Properties whose term does not expand to an absolute IRI (expansion drops
    them), `type` values that stay relative (RDF conversion drops them) and
    relative node ids (prefixed "@id "). An empty list means every claim in the
    document is covered by its contexts. Raises `JsonLdError` for contexts that
    are not vendored or are invalid.
    """
    return _expand_checked(doc, _loader(loader))[1]


def canonize(
    doc: Any, *, loader: VendoredDocumentLoader | None = None, safe: bool = False
) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0, a.k.a. URDNA2015) as N-Quads.

    With `safe=True`, raise `UndefinedTermsError` instead of silently leaving
    out what `undefined_terms` reports (JSON-LD "safe mode").
    """
    ld = _loader(loader)
    source: Any = doc
    if safe:
        expanded, lost = _expand_checked(doc, ld)
        if lost:
            raise UndefinedTermsError(lost)
        source = expanded
    return _pyld.normalize(
        source, ld.options(algorithm="URDNA2015", format="application/n-quads")
    )
