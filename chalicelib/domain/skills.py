"""Skills (issue 20): the identity of a skill, an earner's skill profile built from
their credentials and imported badges, and the one rule of what others may count.

Pure: no I/O, no clock reads. The services (skill_profile, talent, workforce,
insights) pass in what they read.

A skill is an ESCO skill (its URI) or free text: two credentials name the same skill
when they carry the same ESCO URI, or, without one, the same words (case and spacing
aside). `key` is that identity, used in every index and aggregate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

ESCO_SKILL = "http://data.europa.eu/esco/skill/"
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
# Issue 20, item 5: "aggregated, with any group under 10 people hidden".
MIN_GROUP = 10
MAX_KEY = 120


def key(label: str, uri: str | None = None) -> str:
    """`esco:<uuid>` for an ESCO skill, else `text:<casefolded words>`."""
    if uri and uri.startswith(ESCO_SKILL):
        return "esco:" + uri[len(ESCO_SKILL):]
    return "text:" + " ".join((label or "").casefold().split())[:MAX_KEY - 5]


def uri_of(skill_key: str) -> str | None:
    return ESCO_SKILL + skill_key[5:] if skill_key.startswith("esco:") else None


def is_key(value: str) -> bool:
    return bool(re.fullmatch(r"(esco:[0-9a-f-]{36}|text:\S.{0,114})", value or ""))


@dataclass(frozen=True)
class Source:
    """Where an earner holds a skill from: a Laurel credential or an imported badge."""

    kind: str  # "credential" | "import"
    id: str  # credential id or import id
    name: str  # the credential's (badge's) name
    issuer: str  # the issuer's name
    issuer_id: str | None = None  # Laurel tenant id (None for imports)
    template_id: str | None = None
    credential_kind: str = "badge"  # certification | micro-credential | badge
    state: str = "valid"  # valid | expired | revoked | pending
    private: bool = False  # hidden by the earner (or restricted)
    issued_at: str = ""


@dataclass(frozen=True)
class Skill:
    key: str
    label: str
    uri: str | None
    sources: tuple[Source, ...]

    @property
    def counted(self) -> bool:
        """Held from at least one source others may count (see `counts`)."""
        return any(counts(s) for s in self.sources)


def counts(source: Source) -> bool:
    """The one rule of every index, search and aggregate (talent, workforce, insights,
    the public profile): a skill counts from a source the earner accepted, not revoked,
    and not hidden. An expired credential still counts (the person learned the skill;
    the profile marks it expired). Restriction and erasure remove the whole earner
    (see `IndexedProfile`)."""
    return source.state in ("valid", "expired") and not source.private


@dataclass(frozen=True)
class Profile:
    """Every skill an earner holds (their own view: hidden sources included)."""

    earner_id: str
    skills: tuple[Skill, ...]


def build(earner_id: str, named: Iterable[tuple[str, str | None, Source]]) -> Profile:
    """Group (label, uri, source) triples into skills, ordered by how many sources
    hold each, then by label. The label shown is the first one met for the key."""
    by_key: dict[str, tuple[str, str | None, list[Source]]] = {}
    for label, uri, source in named:
        label = " ".join((label or "").split())
        if not label:
            continue
        k = key(label, uri)
        if k not in by_key:
            by_key[k] = (label, uri if k.startswith("esco:") else None, [])
        if source not in by_key[k][2]:
            by_key[k][2].append(source)
    skills = [Skill(k, label, uri, tuple(sources)) for k, (label, uri, sources) in by_key.items()]
    skills.sort(key=lambda s: (-len(s.sources), s.label.casefold()))
    return Profile(earner_id, tuple(skills))


@dataclass(frozen=True)
class IndexedProfile:
    """What an earner lets others count: only skills with a counted source, and the
    credentials they come from. None in place of this means: in no index at all
    (erased, restricted, or nothing counted)."""

    earner_id: str
    display_name: str
    skills: tuple[str, ...]  # keys
    labels: dict[str, str] = field(default_factory=dict)  # key -> label
    issuers: tuple[str, ...] = ()  # Laurel tenant ids of counted credentials
    templates: tuple[str, ...] = ()  # "<tenant_id>#<template_id>" of counted credentials
    credential_names: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # credential kinds held (counted)
    # added by the talent work: tenant id -> the issuer's name (search results show it)
    issuer_names: dict[str, str] = field(default_factory=dict)
    # (skill key, counted source) pairs: what each field above was built from
    counted: tuple[tuple[str, Source], ...] = ()

    def only_kinds(self, kinds: Iterable[str]) -> IndexedProfile | None:
        """The part of the profile that comes from Laurel credentials of the given kinds
        (talent search: the earner is "open to opportunities, per credential kind"; a
        skill held only from a badge is not findable by someone who chose certifications;
        imported badges have no Laurel kind and are left out)."""
        chosen = set(kinds)
        pairs = [(k, src) for k, src in self.counted if src.kind == "credential" and src.credential_kind in chosen]
        return _from_pairs(self.earner_id, self.display_name, self.labels, pairs)


def _from_pairs(earner_id: str, display_name: str, labels: dict[str, str],
                pairs: list[tuple[str, Source]]) -> IndexedProfile | None:
    if not pairs:
        return None
    keys = tuple(dict.fromkeys(k for k, _ in pairs))
    sources = list(dict.fromkeys(src for _, src in pairs))
    return IndexedProfile(
        earner_id=earner_id,
        display_name=display_name,
        skills=keys,
        labels={k: labels.get(k, k) for k in keys},
        issuers=tuple(dict.fromkeys(src.issuer_id for src in sources if src.issuer_id)),
        templates=tuple(dict.fromkeys(f"{src.issuer_id}#{src.template_id}" for src in sources
                                      if src.issuer_id and src.template_id)),
        credential_names=tuple(dict.fromkeys(src.name for src in sources)),
        kinds=tuple(dict.fromkeys(src.credential_kind for src in sources if src.kind == "credential")),
        issuer_names={src.issuer_id: src.issuer for src in sources if src.issuer_id},
        counted=tuple(pairs),
    )


def indexed(profile: Profile, display_name: str, *, restricted: bool = False) -> IndexedProfile | None:
    if restricted:
        return None
    skills = [s for s in profile.skills if s.counted]
    pairs = [(s.key, src) for s in skills for src in s.sources if counts(src)]
    return _from_pairs(profile.earner_id, display_name, {s.key: s.label for s in skills}, pairs)
