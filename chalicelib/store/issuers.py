"""Issuer profiles and their API keys."""

from __future__ import annotations

from pynamodb.exceptions import PutError

from . import keys
from .models import ApiKeyItem, IssuerItem


def create_issuer(item_fields: dict) -> IssuerItem | None:
    """The new issuer; None (nothing written) if its id was taken already."""
    tenant_id = item_fields["tenant_id"]
    item = IssuerItem(keys.tenant_pk(tenant_id), keys.PROFILE_SK, gsi1pk=keys.ISSUERS_INDEX_PK, gsi1sk=tenant_id,
                      **item_fields)
    try:
        item.save(condition=IssuerItem.pk.does_not_exist())
    except PutError:  # pragma: no cover - a 64-bit id collision
        return None
    return item


def all_issuers() -> list[IssuerItem]:
    """Operator views (SLA credits): every issuer, through the by_tenant index."""
    return list(IssuerItem.by_tenant.query(keys.ISSUERS_INDEX_PK))


def get_issuer(tenant_id: str) -> IssuerItem | None:
    try:
        return IssuerItem.get(keys.tenant_pk(tenant_id), keys.PROFILE_SK)
    except IssuerItem.DoesNotExist:
        return None


def update_issuer(item: IssuerItem, changes: dict, remove: tuple[str, ...] = ()) -> IssuerItem:
    actions = [getattr(IssuerItem, name).set(value) for name, value in changes.items()]
    actions += [getattr(IssuerItem, name).remove() for name in remove]
    item.update(actions=actions, condition=IssuerItem.pk.exists())
    return item


def put_api_key(tenant_id: str, key_hash: str, fields: dict) -> ApiKeyItem:
    item = ApiKeyItem(keys.tenant_pk(tenant_id), keys.api_key_sk(key_hash), tenant_id=tenant_id, **fields)
    item.save(condition=ApiKeyItem.pk.does_not_exist())
    return item


def get_api_key(tenant_id: str, key_hash: str) -> ApiKeyItem | None:
    try:
        return ApiKeyItem.get(keys.tenant_pk(tenant_id), keys.api_key_sk(key_hash))
    except ApiKeyItem.DoesNotExist:
        return None


def list_api_keys(tenant_id: str) -> list[ApiKeyItem]:
    return list(ApiKeyItem.query(keys.tenant_pk(tenant_id), ApiKeyItem.sk.startswith(keys.API_KEY_PREFIX)))


def revoke_api_key(item: ApiKeyItem, at: str) -> None:
    item.update(
        actions=[ApiKeyItem.revoked_at.set(at)],
        condition=ApiKeyItem.pk.exists() & ApiKeyItem.revoked_at.does_not_exist(),
    )
