"""Reads for issuer analytics: a tenant's credentials through `by_tenant` (the
cost grows with that tenant's credentials, never with the table) and its templates
(one Query of its partition). Only the attributes analytics needs are fetched."""

from __future__ import annotations

from collections.abc import Iterator

from . import keys
from .models import CredentialItem, TemplateItem

_FIELDS = ["template_id", "status", "created_at", "accepted_at", "expires_at", "snapshot"]


def credentials(tenant_id: str, template_id: str | None = None) -> Iterator[CredentialItem]:
    condition = (CredentialItem.template_id == template_id) if template_id else None
    return CredentialItem.by_tenant.query(keys.tenant_credentials_pk(tenant_id), filter_condition=condition,
                                          attributes_to_get=_FIELDS)


def templates(tenant_id: str) -> list[TemplateItem]:
    return list(TemplateItem.query(keys.tenant_pk(tenant_id), TemplateItem.sk.startswith(keys.TEMPLATE_PREFIX),
                                   attributes_to_get=["template_id", "name", "state"]))
