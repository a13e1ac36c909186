"""Badge templates, stored under their tenant's partition."""

from __future__ import annotations

from . import keys, paging
from .conditional import update_if
from .models import TemplateItem


def create(tenant_id: str, template_id: str, fields: dict) -> TemplateItem:
    item = TemplateItem(
        keys.tenant_pk(tenant_id), keys.template_sk(template_id), tenant_id=tenant_id, template_id=template_id, **fields
    )
    item.save(condition=TemplateItem.pk.does_not_exist())
    return item


def get(tenant_id: str, template_id: str) -> TemplateItem | None:
    try:
        return TemplateItem.get(keys.tenant_pk(tenant_id), keys.template_sk(template_id))
    except TemplateItem.DoesNotExist:
        return None


def update(item: TemplateItem, changes: dict) -> bool:
    """Optimistic update: False (nothing written) if someone else changed the template
    since `item` was read."""
    actions = [getattr(TemplateItem, name).set(value) for name, value in changes.items()]
    actions.append(TemplateItem.version.add(1))
    return update_if(item, actions, TemplateItem.version == item.version)


def list_page(tenant_id: str, *, state: str | None, limit: int, cursor: str | None) -> tuple[list[TemplateItem], str | None]:
    pk = keys.tenant_pk(tenant_id)
    start = paging.decode(cursor, expected={"pk": pk}, allowed_keys={"pk", "sk"}, prefixes={"sk": keys.TEMPLATE_PREFIX})
    result = TemplateItem.query(
        pk,
        TemplateItem.sk.startswith(keys.TEMPLATE_PREFIX),
        filter_condition=(TemplateItem.state == state) if state else None,
        limit=limit,
        last_evaluated_key=start,
    )
    items = list(result)
    return items, paging.encode(result.last_evaluated_key)


def all_for_tenant(tenant_id: str) -> list[TemplateItem]:
    """Every template of a tenant (names and states for choices; one Query of its partition)."""
    return list(TemplateItem.query(keys.tenant_pk(tenant_id), TemplateItem.sk.startswith(keys.TEMPLATE_PREFIX),
                                   attributes_to_get=["pk", "sk", "template_id", "name", "state"]))
