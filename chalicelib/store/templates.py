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


def list_page(tenant_id: str, *, state: str | None, limit: int,
              cursor: str | None) -> tuple[list[TemplateItem], str | None]:
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


def search_page(tenant_id: str, *, state: str | None, text: str | None, limit: int,
                cursor: str | None) -> tuple[list[TemplateItem], str | None]:
    """A page of a tenant's templates, optionally in one state and whose name holds
    `text` in any case (the console's search). DynamoDB's `contains()` is case-sensitive,
    so the name is matched here, reading the partition's templates page by page only
    until `limit` match. The cursor is the key of the last template shown: the next
    page starts right after it (it may come back empty when that was the last match)."""
    if not text:
        return list_page(tenant_id, state=state, limit=limit, cursor=cursor)
    pk = keys.tenant_pk(tenant_id)
    start = paging.decode(cursor, expected={"pk": pk}, allowed_keys={"pk", "sk"}, prefixes={"sk": keys.TEMPLATE_PREFIX})
    needle = text.casefold()
    found: list[TemplateItem] = []
    for item in TemplateItem.query(pk, TemplateItem.sk.startswith(keys.TEMPLATE_PREFIX),
                                   filter_condition=(TemplateItem.state == state) if state else None,
                                   last_evaluated_key=start, page_size=100):
        if needle in item.name.casefold():
            found.append(item)
            if len(found) == limit:
                return found, paging.encode({"pk": {"S": pk}, "sk": {"S": item.sk}})
    return found, None
