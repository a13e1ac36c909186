"""PynamoDB models of outbound webhooks, in Laurel's single table.

Keys: see the table in `keys.py` (webhook endpoint: `T#<tenant>` / `WHE#<endpoint>`;
webhook delivery: `T#<tenant>#WHD#<delivery>` / `D`, listed per endpoint through
`by_tenant`).

Only the table's own keys and the existing `by_tenant` index are used: a delivery
is read by id with one GetItem, an endpoint's deliveries are listed newest first
through `by_tenant`, and a tenant's endpoints are one Query of its partition.

The endpoint's signing secret is stored as it is (DynamoDB encrypts it at rest):
unlike API keys it cannot be stored as a hash, because Laurel must compute HMACs
with it. It is shown once at creation (or rotation) and never returned again.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from .models import ByTenant, Item, _TableMeta


class WebhookEndpointItem(Item):
    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    endpoint_id = UnicodeAttribute()
    url = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    event_types = JSONAttribute()
    status = UnicodeAttribute()  # active | disabled
    secret = UnicodeAttribute()
    # During the grace period after a rotation deliveries are signed with both.
    previous_secret = UnicodeAttribute(null=True)
    previous_secret_expires_at = UnicodeAttribute(null=True)
    secret_rotated_at = UnicodeAttribute(null=True)
    disabled_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class WebhookDeliveryItem(Item):
    """One event for one endpoint and the attempts made to deliver it."""

    class Meta(_TableMeta):
        pass

    tenant_id = UnicodeAttribute()
    delivery_id = UnicodeAttribute()
    endpoint_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    payload = JSONAttribute()  # the event exactly as it is posted
    status = UnicodeAttribute()  # pending | delivered | failed | cancelled
    attempt_count = NumberAttribute(default=0)
    attempts = JSONAttribute(default=list)  # [{attempt, at, status_code, response, error, duration_ms}]
    next_attempt_at = UnicodeAttribute(null=True)
    delivered_at = UnicodeAttribute(null=True)
    failed_at = UnicodeAttribute(null=True)
    resent_from = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_tenant = ByTenant()


WEBHOOK_MODELS: tuple[type[Item], ...] = (WebhookEndpointItem, WebhookDeliveryItem)
