"""The uptime canary's pointer: one PLATFORM item naming the platform-owned credential
the probes verify every minute (services/canary.py). Every probe location reads it, in
one GetItem, from the one table (a second region's prober too: it writes there anyway)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError

from . import keys
from .models import Item, _TableMeta


class CanaryItem(Item):
    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    template_id = UnicodeAttribute()
    credential_id = UnicodeAttribute()
    # the badge image's object key: the probe fetches it from the asset base URL (the CDN)
    image_key = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = UnicodeAttribute()


def get() -> CanaryItem | None:
    try:
        return CanaryItem.get(keys.PLATFORM_PK, keys.CANARY_SK, consistent_read=True)
    except CanaryItem.DoesNotExist:
        return None


def put_first(fields: dict) -> CanaryItem:
    """Store the pointer unless one exists; the stored one (ours or a concurrent run's) is returned."""
    item = CanaryItem(keys.PLATFORM_PK, keys.CANARY_SK, **fields)
    try:
        item.save(condition=CanaryItem.pk.does_not_exist())
        return item
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    found = get()
    assert found is not None  # the condition failed: it exists
    return found
