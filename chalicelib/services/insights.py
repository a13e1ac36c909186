"""Insights from the network (issue 20, item 5): for a skill, how many earners hold it,
its growth per quarter, the skills that most often go with it, the credentials that
teach it and the occupations that need it. Issue 20: "computed from Laurel's own
data, aggregated, with any group under 10 people hidden".

Read from the per-skill aggregates the write path keeps (services/skill_profile.refresh,
store/skills.py): one Query per skill, never a scan of credentials. The hiding rules
are domain/insights.insight.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..domain import insights as rules
from ..domain import skills as skill_rules
from ..domain.errors import NotFound

MAX_SKILLS = 40  # skills looked up in one call (a wallet page, a dashboard)


def occupations(skill_key: str) -> tuple[tuple[str, str], ...]:
    """The ESCO occupations whose essential skills include this one, from the taxonomy
    (services/taxonomy.occupations_needing, when it is there); none for a free-text skill
    or without the taxonomy."""
    uri = skill_rules.uri_of(skill_key)
    if not uri:
        return ()
    import importlib

    try:  # (the taxonomy service comes with issue 20's taxonomy work; without it: no occupations)
        needing: Any = getattr(importlib.import_module("chalicelib.services.taxonomy"), "occupations_needing", None)
    except ImportError:
        needing = None
    if needing is None:
        return ()
    out = []
    for o in needing(uri) or []:
        if isinstance(o, dict) and o.get("uri"):
            out.append((str(o["uri"]), str(o.get("label") or o["uri"])))
        elif isinstance(o, (tuple, list)) and len(o) == 2:
            out.append((str(o[0]), str(o[1])))
    return tuple(out[:rules.TOP])


def for_skill(skill_key: str, label: str = "") -> rules.Insight:
    from ..store import skills as store

    if not skill_rules.is_key(skill_key):
        raise NotFound("no such skill", code="skill_not_found")
    return rules.insight(skill_key, label or skill_key.split(":", 1)[-1], store.stats(skill_key),
                         occupations(skill_key))


def for_skills(named: Iterable[tuple[str, str]]) -> dict[str, rules.Insight]:
    """(key, label) pairs -> their insights (the first MAX_SKILLS distinct keys)."""
    out: dict[str, rules.Insight] = {}
    for skill_key, label in named:
        if skill_key in out or not skill_rules.is_key(skill_key):
            continue
        if len(out) == MAX_SKILLS:
            break
        out[skill_key] = for_skill(skill_key, label)
    return out


def for_tenant(tenant_id: str) -> list[rules.Insight]:
    """The issuer dashboard's insights: the skills of the organization's templates (as
    named on each template: its ESCO URI when it has one), with the same hiding."""
    from ..store import skills as store

    named: list[tuple[str, str]] = []
    for labels, uris in store.template_skills(tenant_id):
        for label in labels:
            named.append((skill_rules.key(label, uris.get(label)), " ".join(label.split())))
    return list(for_skills(named).values())
