"""Invalidating what the CDN caches when a write changes it (issue 17, item 3): "revocation,
privacy changes and erasure invalidate the affected paths (a CloudFront invalidation from the
write path, batched), so a revoked credential is never shown valid for longer than the
invalidation takes".

The write path queues ONE message per write (a revocation, a replacement of several
credentials, a person's restriction or erasure across all their credentials, an
offboarding) on the events queue; the events worker turns each message into ONE CloudFront
invalidation. The queue is the way round a dependency cycle: the distribution depends on
the API (its origin), so the API function cannot be told the distribution's id; the worker
can (infra/edge.py). A failed invalidation raises, and SQS brings the message back (then
the dead-letter queue, with its alarm).

What a credential's change touches (the distribution's paths, routes/public.py and
store/object_keys.py): its page in every form and language and with any `ref=` or `lang=`
(`/badges/<id>*`: the page's cache key holds the query, and a trailing `*` invalidates every
query string; the languages chosen by Accept-Language are header variants, and CloudFront
invalidates every header variant of a path), its baked image (`/assets/baked/<tenant>/<id>/*`: hiding
deletes the file, the CDN kept it 5 minutes), its Open Badges 2.0 assertion and badge class,
its 3.0 credential in both forms, and its issuer's 2.0 revocation list and status lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from ..config import get_settings
from ..openbadges import ob3
from ..openbadges.urls import Urls
from ..store import object_keys

# CloudFront's quotas on invalidations in progress at one time: 15 wildcard paths and 3,000
# other paths (per distribution). A batch keeps well inside them so that concurrent writes
# do not refuse each other: beyond these, a batch names whole path families instead (at
# most 6 wildcards then: pages, baked images, both documents' families, both lists').
MAX_WILDCARDS = 6
MAX_PATHS = 1000
_PATHS = Urls(base="", assets="")  # the distribution's paths: the public site and the assets share it


def _status_list_no(status_index: Any) -> int | None:
    return None if status_index is None else int(status_index) // ob3.STATUS_LIST_SIZE


def paths_for(credentials: Iterable[tuple[str, str, int | None]]) -> list[str]:
    """The paths to invalidate for (tenant id, credential id, status list number) triples,
    within the quotas above; sorted, no duplicates. Pure."""
    wildcards: set[str] = set()
    documents: set[str] = set()
    lists: set[str] = set()
    for tenant_id, credential_id, list_no in credentials:
        wildcards.add(f"{_PATHS.page(credential_id)}*")  # the page, .json, /image, every ?ref=
        wildcards.add(f"/{object_keys.baked_prefix(tenant_id, credential_id)}*")  # its baked image (5 min)
        documents.update((_PATHS.assertion(credential_id), _PATHS.badge_class(credential_id),
                          _PATHS.credential(credential_id), f"{_PATHS.credential(credential_id)}.jwt"))
        lists.add(_PATHS.revocation_list(tenant_id))
        if list_no is not None:
            lists.update(_PATHS.status_list(tenant_id, list_no, form) for form in ("json", "jwt"))
    if len(wildcards) > MAX_WILDCARDS:
        # every page and every baked image: a batch of many credentials
        wildcards = {f"{_PATHS.page('')}*", f"/{object_keys.baked_prefix('', '').rstrip('/')}*"}
    if len(documents) + len(lists) > MAX_PATHS:
        documents = {f"{_PATHS.assertion('')}*", f"{_PATHS.credential('')}*"}
        if len(lists) > MAX_PATHS // 2:
            lists = {f"{_PATHS.profile('')}*", f"/{object_keys.status_lists_prefix()}*"}
    return sorted(wildcards | documents | lists)


def credentials_changed(items: Sequence[Any]) -> None:
    """The write path: these credentials' public answers changed (revoked, hidden, shown,
    erased). One queued invalidation for all of them; nothing when the deployment has no CDN
    (`LAUREL_CDN_INVALIDATE` unset: `make run`, tests)."""
    if not items or not get_settings().cdn_invalidate:
        return
    _queue(paths_for((i.tenant_id, i.credential_id, _status_list_no(i.status_index)) for i in items))


def keys_changed() -> None:
    """The platform's signing keys changed (a rotation): every issuer profile, key URL and
    DID document lists the keys, and so does the JWKS; one wildcard for all issuers."""
    if not get_settings().cdn_invalidate:
        return
    _queue(["/ob/v3/issuers/*", "/.well-known/jwks.json"])


def issuer_changed(tenant_id: str) -> None:
    """An organization's documents changed as a whole (offboarding): its issuer profiles,
    DID document, keys and revocation list."""
    if not get_settings().cdn_invalidate:
        return
    _queue([f"{_PATHS.profile(tenant_id)}*", f"{_PATHS.issuer(tenant_id)}*"])


def _queue(paths: list[str]) -> None:
    from ..adapters import queue

    # the reference is made once, here: a redelivered message repeats the same invalidation
    queue.send(queue.events_queue_name(), {"invalidate": {"paths": paths, "reference": uuid.uuid4().hex}})


def invalidate(message: dict) -> str | None:
    """The events worker: one queued batch, one CloudFront invalidation (its id). A message
    for a deployment without a distribution id is dropped (logged): nothing is cached."""
    body = message.get("invalidate")
    if not (isinstance(body, dict) and isinstance(body.get("paths"), list) and body["paths"]
            and all(isinstance(p, str) and p.startswith("/") for p in body["paths"])
            and isinstance(body.get("reference"), str) and body["reference"]):
        raise ValueError("not an invalidation message")
    distribution_id = get_settings().distribution_id
    if not distribution_id:
        from ..logs import logger

        logger().warning("invalidation dropped: no distribution", extra={"paths": len(body["paths"])})
        return None
    from ..adapters import cdn

    return cdn.invalidate(distribution_id, body["paths"], body["reference"])
