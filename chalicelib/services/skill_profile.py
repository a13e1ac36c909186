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
from ..domain.clock import iso, parse_iso
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


ATTEMPTS = 5


def stored_form(profile: rules.Profile) -> list[dict]:
    """The profile as stored in `EARNER#<earner>/SKILLS` (and exported): every skill with
    its sources, the earner's own view (hidden sources included, marked)."""
    return [{"key": s.key, "label": s.label, "uri": s.uri, "counted": s.counted,
             "sources": [{"kind": src.kind, "id": src.id, "name": src.name, "issuer": src.issuer,
                          "issuer_id": src.issuer_id, "template_id": src.template_id,
                          "credential_kind": src.credential_kind, "state": src.state, "private": src.private,
                          "issued_at": src.issued_at} for src in s.sources]}
            for s in profile.skills]


def counted_in_insights(earner: Any) -> bool:
    """Whether the earner's skills count in the network's anonymous insights: an account
    that exists, is not restricted (erasure deletes the account) and did not opt out."""
    return earner is not None and not earner.restricted_at and not earner.insights_opt_out


def refresh(earner_id: str) -> rules.Profile:
    """Recompute the earner's profile, store it, move the aggregates by the difference
    (exactly once: store/skills.apply) and tell talent and workforce. Idempotent: run
    again it finds nothing to change. An earner who is gone (erased, merged away)
    contributes nothing: their profile item goes and their counts are taken back.

    The paths that call it (each has a test in tests/integration/test_skill_profile_paths.py):
    - wallet: accept and reject (`wallet.decide`), hide/show a credential (`set_private`),
      a first sign-in creating an account that already holds credentials accepted by claim
      link (`sign_in`), an address added or merged (`attach_email`: both accounts) or removed
      (`remove_email`), the profile setting that lifts a restriction (`update_profile`), the
      skills settings (`set_skill_settings`);
    - the claim link: accept and reject (`claims.decide`, the address's owner);
    - the issuer: revocation (`credentials.revoke`, API and console alike) and the revocation
      of accepted credentials by a replacement (`credentials.issue` only when it replaces an
      accepted credential: plain single issuance does no work for skills);
    - imports: a confirmed import and a re-verification (its result may turn revoked);
    - rights: restriction and erasure (`rights.restrict`, `rights.erase`).
    Not called: expiry (an expired credential still counts: domain/skills.counts, so what is
    counted does not change; the page shows the state live), offboarding (it keeps every
    accepted credential), issuance (skills count from acceptance).

    A refresh that fails after its caller's change is not lost: the callers outside rights
    use `changed`, which logs the failure instead of failing the request, and the skills page
    (`page`) repairs a stored profile that differs from the live one (a refresh, which is
    idempotent). Rights paths call `refresh` itself: an erasure or restriction whose refresh
    failed fails, and is run again (both are idempotent)."""
    from ..domain import insights
    from ..store import earners as store
    from ..store import skills as skill_store
    from . import talent, workforce

    earner: Any = None
    profile = rules.Profile(earner_id, ())
    for _attempt in range(ATTEMPTS):
        earner = store.get_earner(earner_id)
        profile = compute(earner_id) if earner is not None else rules.Profile(earner_id, ())
        stored = skill_store.get(earner_id)
        now_counted = insights.contributions(insights.counted(profile, counted_in_insights=counted_in_insights(earner)))
        change = insights.delta(stored.applied if stored else (), now_counted)
        if skill_store.apply(earner_id, stored, change, stored_form(profile), iso(clock.utcnow()),
                             delete=earner is None):
            break
    else:
        from ..domain.errors import Conflict

        raise Conflict("your skills changed in another window at the same moment; try again", code="concurrent_update")
    view = _indexed(earner, profile)
    talent.profile_changed(earner_id, view)
    workforce.profile_changed(earner_id, view)
    return profile


def changed(earner_id: str | None) -> None:
    """`refresh` after a change that already happened (a credential accepted, revoked,
    hidden ...): a failure is logged, never turns the change into an error page; the
    profile is repaired by the next refresh (`page` runs one when it finds it stale)."""
    if not earner_id:
        return
    try:
        refresh(earner_id)
    except Exception:  # the change stands; the stale profile is repaired later (see refresh)
        from ..logs import logger

        logger().exception("skill profile refresh failed", extra={"earner_id": earner_id})


def changed_for_credential(item: Any) -> None:
    """The owner of a credential whose state changed (services/wallet.owner_of), if any."""
    from .wallet import owner_of

    changed(owner_of(item))


def page(earner_id: str) -> dict:
    """The wallet's skills page (issue 20, item 2): every skill the earner holds with
    where it came from (hidden, expired and revoked sources marked), the network's
    insights next to each, and the two settings. It also repairs: a stored profile whose
    counted set differs from the live one (a refresh that failed after its change) is
    refreshed now."""
    from ..domain import insights as rules_insights
    from ..domain.errors import NotFound
    from ..store import earners as store
    from ..store import skills as skill_store
    from . import insights

    earner = store.get_earner(earner_id)
    if earner is None:
        raise NotFound("this account no longer exists", code="earner_not_found")
    profile = compute(earner_id)
    stored = skill_store.get(earner_id)
    expected = rules_insights.contributions(rules_insights.counted(
        profile, counted_in_insights=counted_in_insights(earner)))
    if set(stored.applied if stored else ()) != set(expected) or (stored is None and profile.skills):
        profile = refresh(earner_id)
    found = insights.for_skills((s.key, s.label) for s in profile.skills)
    return {
        "skills": [{"key": s.key, "label": s.label, "uri": s.uri, "counted": s.counted,
                    "sources": [{"kind": src.kind, "id": src.id, "name": src.name, "issuer": src.issuer,
                                 "state": src.state, "private": src.private, "issued_at": src.issued_at[:10]}
                                for src in s.sources],
                    "insight": found.get(s.key)} for s in profile.skills],
        "skills_public": bool(earner.skills_public),
        "counted_in_insights": not earner.insights_opt_out,
        "profile_public": bool(earner.profile_public) and not earner.restricted_at,
        "restricted": bool(earner.restricted_at),
        "min_group": rules.MIN_GROUP,
    }


def public_skills(earner: Any) -> list[dict]:
    """The skills a public profile shows: only when the earner chose to show them, and
    only those others may count (domain/skills.counts: accepted, not revoked, not
    hidden). The caller has checked the profile itself is public."""
    if earner is None or not earner.skills_public or earner.restricted_at:
        return []
    profile = compute(earner.earner_id)
    return [{"key": s.key, "label": s.label, "uri": s.uri} for s in profile.skills if s.counted]
