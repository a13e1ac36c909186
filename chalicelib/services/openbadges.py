"""Open Badges 2.0 and 3.0 for Laurel's own credentials.

Issue time (`prepare`): salt the recipient hash, allocate a status-list index, build
the OpenBadgeCredential and sign it twice (Data Integrity eddsa-rdfc-2022, VC-JWT
RS256 through KMS). Both are stored with the credential, so every document below
is served from one GetItem.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from ..adapters import objects
from ..domain import ids
from ..domain.clock import iso
from ..domain.credentials import Publicity, publicity, was_accepted
from ..domain.errors import Gone, NotFound
from ..openbadges import ob2, ob3
from ..store import credentials as cred_store
from ..store import issuers as issuer_store
from ..store import object_keys
from ..store import openbadges as store
from . import caches, clock, signing
from .verification import NOT_PUBLISHED, require_public
from .verification import public_item as _public_item  # the one lookup of every public route

LIST_BYTES = ob3.STATUS_LIST_SIZE // 8


def prepare(fields: dict, status_index: int | None = None, rsa_key: Any = None) -> None:
    """Fill in the Open Badges parts of a credential about to be stored (mutates `fields`).
    Bulk issuance passes indexes it allocated as one block."""
    urls = signing.urls()
    tenant_id = fields["tenant_id"]
    fields["recipient_salt"] = ids.random_token(16)
    index = next_status_index(tenant_id) if status_index is None else status_index
    list_no = index // ob3.STATUS_LIST_SIZE
    fields["status_index"] = index
    snap = fields["snapshot"]
    vc = ob3.credential(
        fields, urls,
        image_url=objects.public_url(snap["template"].get("image_key")),
        issuer_image_url=objects.public_url(snap["issuer"].get("logo_key")),
        hashed_identity=ob2.hashed_email(fields["email"], fields["recipient_salt"]),
        status=ob3.status_entry(urls.status_list(tenant_id, list_no), index),
    )
    from ..openbadges.data_integrity import add_proof

    fields["ob3"] = add_proof(vc, signing.ed25519_signer(tenant_id), created=fields["created_at"])
    # Each securing form points at the list secured the same way (issue 18): a verifier
    # that checks status with the credential's own mechanism reads a list it can verify.
    jwt_vc = {**vc, "credentialStatus": ob3.status_entry(urls.status_list(tenant_id, list_no, "jwt"), index)}
    key = rsa_key or signing.active_rsa_key()
    fields["ob3_jwt"] = signing.sign_jwt(ob3.jwt_signing_input(jwt_vc, signing.jwt_kid(tenant_id, key)), key)


# A container takes status-list indexes from the tenant's counter a block at a time, so
# single issuances do not each pay a counter write. Indexes of a block the container
# never hands out stay unused: their bits stay 0 ("not revoked") in a published list,
# which no credential points at (a verifier only ever reads the bit its credential names).
INDEX_BLOCK = 32
_index_blocks: dict[str, list[int]] = {}  # tenant -> [next, end) of its current block
_index_lock = threading.Lock()


def next_status_index(tenant_id: str) -> int:
    with _index_lock:
        block = _index_blocks.get(tenant_id)
        if block and block[0] < block[1]:
            block[0] += 1
            return block[0] - 1
    first = allocate_status_indexes(tenant_id, INDEX_BLOCK)
    with _index_lock:
        _index_blocks[tenant_id] = [first + 1, first + INDEX_BLOCK]
    return first


def _forget_index_blocks() -> None:
    with _index_lock:
        _index_blocks.clear()
        _lists_in_both_forms.clear()


caches.on_clear(_forget_index_blocks)


def allocate_status_indexes(tenant_id: str, count: int) -> int:
    """A block of `count` fresh status-list indexes (first index returned). A list is
    published as soon as a block reaches into it, whatever then happens to the rows
    that got its indexes, so no credential ever points at an unpublished list."""
    first = store.allocate_status_index(tenant_id, count)
    size = ob3.STATUS_LIST_SIZE
    fresh = range(-(-first // size), (first + count - 1) // size + 1)  # lists starting inside the block
    for list_no in fresh:
        publish_status_list(tenant_id, list_no)
    if first // size not in fresh:
        _ensure_both_forms(tenant_id, first // size)
    return first


# Lists published before both securing forms existed have no `<n>.jwt`, yet every VC-JWT
# issued now points at it. The first block a container takes from such a list publishes
# it (one HEAD per list and container; `_lists_in_both_forms` remembers the answer).
_lists_in_both_forms: set[tuple[str, int]] = set()


def _ensure_both_forms(tenant_id: str, list_no: int) -> None:
    if (tenant_id, list_no) in _lists_in_both_forms:
        return
    if not objects.exists(object_keys.status_list_key(tenant_id, list_no, "jwt")):
        publish_status_list(tenant_id, list_no)
    with _index_lock:
        _lists_in_both_forms.add((tenant_id, list_no))


def record_replaced(items: Any, reason: str, at: str) -> None:
    """Credentials revoked by `duplicate_policy=replace`: their status-list bits and
    RevocationList entries, like any revocation, then the lists republished."""
    touched: dict[int, bytes] = {}
    for item in items:
        for _ in range(5):  # the list's version guards concurrent revocations
            list_no, status_list, bits = revocation_bits(item)
            if status_list is None or bits is None or store.set_bits(status_list, bits):  # both or neither
                break
        store.add_revocation(item, reason, at)
        if list_no is not None and bits is not None:  # with its list, or neither
            touched[list_no] = bits
    for list_no in touched:  # keys: the lists' numbers
        publish_status_list(items[0].tenant_id, list_no)
    from . import cdn

    cdn.credentials_changed(items)  # one invalidation for every replaced credential


def revocation_bits(item: Any) -> tuple[int | None, Any, bytes | None]:
    """The number of the tenant's status list holding this credential, the list, and
    its bits with the credential's bit set."""
    if item.status_index is None:
        return None, None, None
    list_no, bit = divmod(int(item.status_index), ob3.STATUS_LIST_SIZE)
    status_list = store.get_status_list(item.tenant_id, list_no, LIST_BYTES)
    return list_no, status_list, ob3.set_bit(status_list.bits, bit)


def publish_status_list(tenant_id: str, list_no: int, bits: bytes | None = None) -> None:
    """Publish a status list where the CDN serves it, in both securing forms: `<n>.json`
    with an eddsa-rdfc-2022 Data Integrity proof (what JSON-LD credentials point at) and
    `<n>.jwt`, a VC-JWT signed RS256 with the active KMS key (what VC-JWT credentials
    point at). The one function every path that changes or creates a list calls
    (issuance reaching a new list, revocation and its retry, replacement), so the two
    forms never disagree. Costs one kms:Sign (the JWT); the Ed25519 proof is local."""
    from ..openbadges.data_integrity import add_proof

    urls = signing.urls()
    if bits is None:
        bits = store.get_status_list(tenant_id, list_no, LIST_BYTES).bits
    now = iso(clock.utcnow())
    issuer_id = urls.issuer(tenant_id)
    doc = ob3.status_list_credential(tenant_id, list_no, bits, urls, issuer_id, now, "json")
    signed = add_proof(doc, signing.ed25519_signer(tenant_id), created=now)
    key = signing.active_rsa_key()
    as_jwt = ob3.status_list_credential(tenant_id, list_no, bits, urls, issuer_id, now, "jwt")
    token = signing.sign_jwt(ob3.status_list_signing_input(as_jwt, signing.jwt_kid(tenant_id, key)), key)
    objects.put(object_keys.status_list_key(tenant_id, list_no, "json"), json.dumps(signed).encode(),
                ob3.MEDIA_TYPE, cache_control="public, max-age=300")
    objects.put(object_keys.status_list_key(tenant_id, list_no, "jwt"), token.encode(), ob3.JWT_MEDIA_TYPE,
                cache_control="public, max-age=300")


# ------------------------------------------------------------------ documents (one GetItem each)


def assertion(credential_id: str) -> dict:
    item = _public_item(credential_id)
    urls = signing.urls()
    if item.status == "revoked":
        raise Gone("revoked", details=ob2.revoked_assertion(item.credential_id, item.revocation_reason, urls))
    return ob2.assertion(item.attribute_values, urls)


def assertion_document(credential_id: str) -> tuple[int, dict]:
    """(200, the hosted Assertion), or for a revoked one (410, the OB 2.0 revocation
    notice: "revoked": true and the reason, which is what a hosted verifier reads)."""
    try:
        return 200, assertion(credential_id)
    except Gone as exc:
        if exc.details is None:  # erased: nothing left to show
            raise
        return 410, exc.details


def badge_class(credential_id: str) -> dict:
    item = _public_item(credential_id)
    return ob2.badge_class(item.credential_id, item.snapshot, signing.urls(),
                           objects.public_url(item.snapshot["template"].get("image_key")))


def credential(credential_id: str) -> dict:
    item = _public_item(credential_id)
    return {"json": item.ob3, "jwt": item.ob3_jwt}


def issuer_documents(item: Any) -> dict | None:
    """A credential's Open Badges documents for its issuer's own records (the
    organization export, issue 15): the OB 2.0 Assertion (or, revoked, the revocation
    notice a hosted verifier reads), the OB 3.0 credential as signed at issue time and
    its VC-JWT. Unlike the public routes, a credential the earner hid is included: it
    is the issuer's own record. An erased one has none (None): erasure removed the
    salted hashes and the signed documents (services/rights.py), and they must not
    come back."""
    if item.erased_at:
        return None
    urls = signing.urls()
    ob2_doc = (ob2.revoked_assertion(item.credential_id, item.revocation_reason, urls) if item.status == "revoked"
               else ob2.assertion(item.attribute_values, urls))
    return {"ob2_assertion": ob2_doc,
            "ob2_badge_class": ob2.badge_class(item.credential_id, item.snapshot, urls,
                                               objects.public_url(item.snapshot["template"].get("image_key"))),
            "ob3_credential": item.ob3, "ob3_jwt": item.ob3_jwt}


def profile_v2(tenant_id: str) -> dict:
    issuer = _issuer(tenant_id)
    return ob2.profile(issuer, signing.urls(), objects.public_url(issuer.get("logo_key")))


def profile_v3(tenant_id: str) -> dict:
    """The issuer profile, which is also the controller document of every key the tenant
    signs with (its `id`s are the `kid`s and proof methods of the credentials)."""
    issuer = _issuer(tenant_id)
    urls = signing.urls()
    return ob3.issuer_profile(issuer, urls, objects.public_url(issuer.get("logo_key")),
                              signing.verification_methods(tenant_id), also_known_as=[urls.did_web(tenant_id)])


def key_document(tenant_id: str, name: str) -> dict:
    """One of the tenant's keys on its own (what its key URL answers)."""
    _issuer(tenant_id)
    doc = signing.key_document(tenant_id, name)
    if doc is None:
        raise NotFound("this issuer has no such key", code="key_not_found")
    return doc


def did_document(tenant_id: str) -> dict:
    """The tenant's did:web DID document: the same keys as the profile, under the DID."""
    _issuer(tenant_id)
    urls = signing.urls()
    did = urls.did_web(tenant_id)
    return ob3.did_document(did, signing.verification_methods(tenant_id, did=did), [urls.issuer(tenant_id)])


def revocation_list(tenant_id: str) -> dict:
    """The issuer's RevocationList names only credentials that are public (revoked ones
    stay public with their reason): a hidden or erased credential's id and reason would
    tell what its page no longer does. (The 3.0 status lists carry bits, no reasons.)"""
    _issuer(tenant_id)
    records = store.revocations(tenant_id)
    items = cred_store.batch_get({r.sk for r in records}) if records else {}
    revoked = [(r.sk, r.reason) for r in records
               if r.sk in items and publicity(items[r.sk]) is Publicity.PUBLIC]
    return ob2.revocation_list(tenant_id, revoked, signing.urls())


def _issuer(tenant_id: str) -> dict:
    item = issuer_store.get_issuer(tenant_id) if ids.TENANT_ID.match(tenant_id or "") else None
    if item is None:
        raise NotFound("no issuer is published at this address", code="issuer_not_found")
    return {"id": item.tenant_id, "name": item.name, "url": item.url, "email": item.email,
            "logo_key": item.logo_key}


# ------------------------------------------------------------------ baked downloads


def baked_image_url(credential_id: str, ref: str | None = None) -> str:
    """Bake the OB 2.0 assertion into the badge image once per credential state and
    cache the file in S3 where the CDN serves it; a status change gives a new key (and
    revoke deletes the old), hiding the credential deletes it (`forget_baked`).
    `ref`: where the image is shown (`embed`, `signature`: the snippets of
    domain/sharing.py), counted out of band once the credential may be shown."""
    item = _public_item(credential_id)
    url = objects.url_of(_baked(item))
    if ref:
        from . import engagement

        engagement.record_image(item, ref)
    return url


def baked_download_url(item: Any, owner_id: str) -> str:
    """A short-lived link that downloads the baked image as a file (the wallet's button).
    The owner gets every credential they accepted, shown or hidden; a hidden one's copy
    is written outside the public prefix (see store.object_keys.owner_copy_key), so
    downloading it publishes nothing."""
    import re

    if not was_accepted(item.status, item.accepted_at) or item.erased_at:
        raise NotFound("only accepted credentials can be downloaded", code="image_not_found")
    if publicity(item) is Publicity.PUBLIC:
        key = _baked(item)
    else:
        data, ext = _bake(item)
        key = object_keys.owner_copy_key(owner_id, item.credential_id, ext)
        objects.put(key, data, objects.IMAGE_TYPES[ext], cache_control="private, no-store")
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", item.snapshot["template"]["name"]).strip("-")[:60] or "badge"
    return objects.download_url(key, f"{name}.{key.rsplit('.', 1)[-1]}")


def baked_file(item: Any) -> tuple[bytes, str]:
    """The baked image's bytes and extension for the owner (their data export): the
    public copy when there is one, else baked in memory and stored nowhere."""
    if publicity(item) is Publicity.PUBLIC:
        key = _baked(item)
        return objects.get(key), key.rsplit(".", 1)[-1]
    return _bake(item)


def _bake(item: Any) -> tuple[bytes, str]:
    """The badge image with the credential's OB 2.0 assertion baked in, and its extension."""
    from ..openbadges import baking

    urls = signing.urls()
    image_key = item.snapshot["template"].get("image_key")
    if not image_key:
        raise NotFound("this credential has no image", code="image_not_found")
    ext = image_key.rsplit(".", 1)[-1]
    doc = json.dumps(ob2.assertion(item.attribute_values, urls), separators=(",", ":"))
    source = objects.get(image_key)
    if ext == "svg":
        return baking.bake_svg(source, doc, urls.assertion(item.credential_id)), ext
    return baking.bake_png(source, doc), ext


def _baked(item: Any, attempts: int = 3) -> str:
    """The S3 key of a public credential's baked image, baked now if this state has none yet."""
    import hashlib

    require_public(item)  # only public files go where the CDN serves them
    image_key = item.snapshot["template"].get("image_key")
    if not image_key:
        raise NotFound("this credential has no image", code="image_not_found")
    version = hashlib.sha256(f"{item.status}|{item.updated_at}|{image_key}".encode()).hexdigest()[:16]
    key = object_keys.baked_key(item.tenant_id, item.credential_id, version, image_key.rsplit(".", 1)[-1])
    if item.baked_key == key:
        return key
    data, ext = _bake(item)
    # short-lived at the CDN: a revoked, hidden or erased credential's file must not linger there
    objects.put(key, data, objects.IMAGE_TYPES[ext], cache_control="public, max-age=300")
    old = item.baked_key
    if cred_store.set_baked_key(item, key):
        if old:
            objects.delete(old)
        return key
    # It changed since it was read: revoked, hidden or erased meanwhile. The file just
    # written describes a state that is gone (and may now be private): delete it, and
    # decide again from the credential as it is now.
    objects.delete(key)
    fresh = cred_store.get_consistent(item.credential_id)
    if attempts <= 1:
        raise NotFound(NOT_PUBLISHED, code="credential_not_found")
    return _baked(require_public(fresh), attempts - 1)


def forget_baked(item: Any) -> None:
    """Delete a credential's baked files (every version of every state) when its state
    changed or it was hidden: their URLs stop answering."""
    objects.delete_prefix(object_keys.baked_prefix(item.tenant_id, item.credential_id))
