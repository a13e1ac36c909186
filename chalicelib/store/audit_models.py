"""PynamoDB model of the audit log, in Laurel's single table.

Keys: see the table in `keys.py` (issuer entries in `T#<tenant>#AUDIT`, operator
entries in `OPS#AUDIT`, both also listed per UTC day through `by_tenant`).

An issuer lists its own entries with one Query of its partition (newest first);
operators list every entry of a day through `by_tenant` with one Query of that
day's partition. Neither listing ever scans the table. `<time>` has millisecond
precision so entries sort in the order they happened.

Entries are append-only: they are written with an "item does not exist" condition
and nothing in the code base updates or deletes them (there is no function for it
in `store/audit.py` and no route for it). A deployment can go further with an IAM
condition denying UpdateItem/DeleteItem on `*#AUDIT` partition keys.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from .models import ByTenant, Item, _TableMeta


class AuditItem(Item):
    class Meta(_TableMeta):
        pass

    entry_id = UnicodeAttribute()
    at = UnicodeAttribute()  # ISO 8601, UTC, milliseconds, `Z`
    tenant_id = UnicodeAttribute(null=True)  # the acting issuer; none for operator actions
    actor_type = UnicodeAttribute()  # api_key | operator
    actor_id = UnicodeAttribute()  # the key's id (never the key)
    method = UnicodeAttribute()
    route = UnicodeAttribute()  # the route pattern, e.g. /templates/{template_id}/activate
    target = JSONAttribute()  # the path parameters: which objects were acted on
    source_ip = UnicodeAttribute(null=True)
    status = NumberAttribute()  # the HTTP status the action answered
    request_id = UnicodeAttribute(null=True)

    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_tenant = ByTenant()


AUDIT_MODELS: tuple[type[Item], ...] = (AuditItem,)
