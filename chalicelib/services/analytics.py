"""Issuer analytics: per issuer and per template, without personal data.

The figures are computed on request from the tenant's credentials (see
`domain/analytics.py` for what each one means). That read grows with the
tenant's credential count; a tenant with hundreds of thousands of credentials
would want counters maintained at write time instead.
"""

from __future__ import annotations

from typing import Any

from ..domain import analytics as rules
from ..domain.clock import iso, parse_iso
from ..store import analytics as store
from . import clock
from .templates import require as require_template


def _facts(item: Any) -> rules.Facts:
    template = (item.snapshot or {}).get("template") or {}
    skills = template.get("skills") or ()
    return rules.Facts(
        template_id=item.template_id,
        status=item.status,
        created_at=parse_iso(item.created_at),
        accepted_at=parse_iso(item.accepted_at) if item.accepted_at else None,
        expires_at=parse_iso(item.expires_at) if item.expires_at else None,
        skills=tuple(s for s in skills if isinstance(s, str)),
    )


def tenant_report(tenant_id: str) -> dict:
    now = clock.utcnow()
    facts = [_facts(c) for c in store.credentials(tenant_id)]
    per_template = rules.by_template(facts, now)
    templates = []
    for t in sorted(store.templates(tenant_id), key=lambda t: (t.name.casefold(), t.template_id)):
        figures = per_template.pop(t.template_id, None) or rules.summarize([], now)
        templates.append({"template_id": t.template_id, "name": t.name, "state": t.state, **figures})
    for template_id, figures in sorted(per_template.items()):  # a template no longer stored (never expected)
        templates.append({"template_id": template_id, "name": None, "state": None, **figures})
    return {"generated_at": iso(now), "totals": rules.summarize(facts, now), "templates": templates}


def template_report(tenant_id: str, template_id: str) -> dict:
    template = require_template(tenant_id, template_id)  # another tenant's id: 404
    now = clock.utcnow()
    facts = [_facts(c) for c in store.credentials(tenant_id, template.template_id)]
    return {"generated_at": iso(now), "template_id": template.template_id, "name": template.name,
            "state": template.state, **rules.summarize(facts, now)}
