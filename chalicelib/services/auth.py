"""API keys: `lrl_<stage>_<tenant>_<secret>`. Only the SHA-256 of a key is stored.

The tenant id inside the key selects the partition to read; the hash selects the
item. A forged key naming another tenant finds no item there. A key of another
stage is refused before any read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..config import get_settings
from ..domain import ids
from ..domain.errors import Unauthorized
from ..store import issuers as store

_KEY = re.compile(r"^lrl_([a-z0-9]{1,20})_([0-9a-f]{16})_([a-z2-7]{32})$")


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    key_id: str


def new_api_key(tenant_id: str) -> str:
    return f"{get_settings().api_key_prefix}{tenant_id}_{ids.random_token()}"


_OPERATOR_KEY = re.compile(r"^lrl_([a-z0-9]{1,20})_operator_([a-z2-7]{32})$")


def authenticate_operator(authorization: str | None) -> str:
    """Operator keys (`lrl_<stage>_operator_<secret>`, made by the CLI) open /ops routes."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    match = _OPERATOR_KEY.match(token.strip()) if scheme.lower() == "bearer" else None
    if match is None or match.group(1) != get_settings().stage:
        raise Unauthorized("an operator key is required: Authorization: Bearer <operator key>",
                           code="operator_key_required")
    from ..store import ops

    item = ops.get_operator_key(ids.sha256_hex(token.strip()))
    if item is None or item.revoked_at:
        raise Unauthorized("the operator key is not valid", code="invalid_operator_key")
    return item.key_id


def authenticate(authorization: str | None) -> Principal:
    if not authorization:
        raise Unauthorized("an API key is required: Authorization: Bearer <key>", code="missing_api_key")
    scheme, _, token = authorization.strip().partition(" ")
    match = _KEY.match(token.strip()) if scheme.lower() == "bearer" else None
    if match is None:
        raise Unauthorized("the Authorization header must be 'Bearer <API key>'", code="malformed_api_key")
    stage, tenant_id, _ = match.groups()
    if stage != get_settings().stage:
        raise Unauthorized("this API key belongs to another stage", code="invalid_api_key")
    item = store.get_api_key(tenant_id, ids.sha256_hex(token.strip()))
    if item is None:
        raise Unauthorized("the API key is not valid", code="invalid_api_key")
    if item.revoked_at:
        raise Unauthorized("the API key was revoked", code="revoked_api_key")
    return Principal(tenant_id=tenant_id, key_id=item.key_id)
