"""An earner's skill profile (issue 20, item 2) and the one place that tells every
index about a change of it (talent search, workforce, insights).

`refresh(earner_id)` is called on every path that changes what an earner holds or
lets others count: accept (wallet, claim link), reject, revoke, replace, hide/show,
a confirmed or removed import, address added/removed, merge, restriction (set and
lifted), erasure. It rebuilds the profile from the credentials and imports, stores
it, applies the differences to the aggregates, and calls each index's
`profile_changed(earner_id, IndexedProfile | None)`.
"""

from __future__ import annotations

from typing import Any

from ..domain import skills as rules
from ..domain.clock import parse_iso
from ..domain.credentials import display_status
from . import clock


def _credential_sources(earner_id: str) -> list[tuple[str, str | None, rules.Source]]:
    from . import wallet

    now = clock.utcnow()
    out = []
    for item in wallet._items(earner_id):
        if item.status in ("pending", "rejected") or not item.accepted_at:
            continue
        tpl = item.snapshot["template"]
        expires = parse_iso(item.expires_at) if item.expires_at else None
        source = rules.Source(
            kind="credential", id=item.credential_id, name=tpl["name"], issuer=item.snapshot["issuer"]["name"],
            issuer_id=item.tenant_id, template_id=item.template_id, credential_kind=tpl.get("kind") or "badge",
            state=display_status(item.status, expires, now), private=bool(item.private or item.erased_at),
            issued_at=item.issued_at or "")
        uris = tpl.get("skill_uris") or {}
        for label in tpl.get("skills") or []:
            out.append((label, uris.get(label), source))
    return out


def _import_sources(earner_id: str) -> list[tuple[str, str | None, rules.Source]]:
    from ..store import earners as store
    from ..store import imports as import_store

    out = []
    for e in store.emails_of(earner_id):
        for item in import_store.for_recipient(e.email_hash):
            if item.status != "confirmed" or item.report.get("result") not in ("valid", "expired"):
                continue
            c = item.report.get("credential") or {}
            source = rules.Source(kind="import", id=item.import_id, name=c.get("name") or "Imported badge",
                                  issuer=c.get("issuer") or "", state=item.report["result"],
                                  issued_at=c.get("issued_at") or "")
            for skill in c.get("skills") or []:
                out.append((skill.get("name") or "", skill.get("uri"), source))
    return out


def compute(earner_id: str) -> rules.Profile:
    return rules.build(earner_id, _credential_sources(earner_id) + _import_sources(earner_id))


def _indexed(earner: Any, profile: rules.Profile) -> rules.IndexedProfile | None:
    if earner is None:
        return None
    return rules.indexed(profile, earner.display_name or "", restricted=bool(earner.restricted_at))


def refresh(earner_id: str) -> rules.Profile:
    from ..store import earners as store
    from . import talent, workforce

    earner = store.get_earner(earner_id)
    profile = compute(earner_id) if earner is not None else rules.Profile(earner_id, ())
    view = _indexed(earner, profile)
    talent.profile_changed(earner_id, view)
    workforce.profile_changed(earner_id, view)
    return profile
