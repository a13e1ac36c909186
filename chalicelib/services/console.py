"""What the issuer console's pages show that no other use case owns: the home page,
and the choices forms offer (which templates a member may pick)."""

from __future__ import annotations

from ..domain import members as rules
from ..store import issuers as issuer_store
from ..store import templates as template_store


def template_choices(member: rules.Member) -> list[dict]:
    """The organization's templates by name (for the issuer role's template list)."""
    items = template_store.all_for_tenant(member.tenant_id)
    return sorted(({"id": t.template_id, "name": t.name, "state": t.state} for t in items),
                  key=lambda t: t["name"].casefold())


def home(member: rules.Member) -> dict:
    """The organization's name and what the member can do from here."""
    issuer = issuer_store.get_issuer(member.tenant_id)
    return {"organization": issuer.name if issuer else member.tenant_id,
            "templates": len([t for t in template_choices(member) if t["state"] == "active"])}
