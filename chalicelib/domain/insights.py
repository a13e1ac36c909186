"""Insights from the network (issue 20, item 5): what one earner contributes to the
per-skill aggregates, and what of the aggregates may be shown.

Pure: no I/O, no clock reads. services/skill_profile.py applies the contributions on
the write path; services/insights.py reads the aggregates and passes them here.

An earner's contribution is a set of counter ids, each "<skill key>\\t<kind>\\t<arg>"
(store/keys.py lays each out as a sort key of `SKILLSTAT#<skill key>`): for every skill
they let others count (domain/skills.counts),

- holders: one holder;
- quarter `<YYYY>Q<n>`: the quarter they first held it (the earliest counted source's
  `issued_at`), so a skill's growth per quarter is the first-seen counts;
- co `<other key>`: one holder who also holds the other skill (both directions);
- cred `<tenant>#<template>`: one holder who holds it from that Laurel credential.

The stored profile keeps the set applied; a refresh applies only the difference
(`delta`), so counting is exactly-once however often a refresh runs.

Issue 20: "computed from Laurel's own data, aggregated, with any group under 10
people hidden". Every number shown passes `shown` (MIN_GROUP from domain/skills.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from . import skills as rules

SEP = "\t"  # skill keys never hold a tab (domain/skills.key joins words with spaces)
HOLDERS = "holders"
QUARTER = "quarter"
CO = "co"
CRED = "cred"
KINDS = (HOLDERS, QUARTER, CO, CRED)
# An earner counts in the aggregates with at most this many skills (those held from the
# most sources first): co-occurrence grows with the square of it (40 skills: 1,560
# pairs), and the stored set of what was applied must stay far below DynamoDB's 400 KB.
MAX_COUNTED_SKILLS = 40
TOP = 10  # co-skills and credentials shown per skill


@dataclass(frozen=True)
class Counted:
    """One skill an earner lets the aggregates count."""

    key: str
    label: str
    quarter: str | None  # of the earliest counted source, None if no source has a date
    credentials: tuple[tuple[str, str, str], ...] = ()  # ("<tenant>#<template>", name, issuer)


def quarter(issued_at: str) -> str | None:
    """"2026-05-01T..." -> "2026Q2"; None for no (or no valid) date."""
    try:
        year, month = int(issued_at[:4]), int(issued_at[5:7])
    except (TypeError, ValueError):
        return None
    if not 1 <= month <= 12 or issued_at[4:5] != "-":
        return None
    return f"{year:04d}Q{(month - 1) // 3 + 1}"


def counted(profile: rules.Profile, *, counted_in_insights: bool) -> dict[str, Counted]:
    """What the earner contributes: nothing when they opted out of insights (or the
    caller found them restricted, erased or gone: it passes False), else every skill
    with a source others may count (domain/skills.counts), at most MAX_COUNTED_SKILLS."""
    if not counted_in_insights:
        return {}
    out: dict[str, Counted] = {}
    for skill in profile.skills:  # ordered by how many sources hold each (domain/skills.build)
        sources = [s for s in skill.sources if rules.counts(s)]
        if not sources:
            continue
        dates = sorted(s.issued_at for s in sources if quarter(s.issued_at))
        creds = tuple(sorted({(f"{s.issuer_id}#{s.template_id}", s.name, s.issuer) for s in sources
                              if s.kind == "credential" and s.issuer_id and s.template_id}))
        out[skill.key] = Counted(skill.key, skill.label, quarter(dates[0]) if dates else None, creds)
        if len(out) == MAX_COUNTED_SKILLS:
            break
    return out


def counter_id(skill_key: str, kind: str, arg: str = "") -> str:
    return f"{skill_key}{SEP}{kind}{SEP}{arg}"


def split_counter(counter: str) -> tuple[str, str, str]:
    """(skill key, kind, arg) of a counter id."""
    skill_key, kind, arg = (counter.split(SEP, 2) + ["", ""])[:3]
    return skill_key, kind, arg


def contributions(skills: Mapping[str, Counted]) -> dict[str, dict[str, str]]:
    """Counter id -> the attributes that name what it counts (a label, a credential's
    name and issuer), for an earner's counted skills."""
    out: dict[str, dict[str, str]] = {}
    for k, c in skills.items():
        out[counter_id(k, HOLDERS)] = {"label": c.label}
        if c.quarter:
            out[counter_id(k, QUARTER, c.quarter)] = {}
        for other in skills.values():
            if other.key != k:
                out[counter_id(k, CO, other.key)] = {"label": other.label}
        for template, name, issuer in c.credentials:
            out[counter_id(k, CRED, template)] = {"name": name, "issuer": issuer}
    return out


@dataclass(frozen=True)
class Delta:
    added: dict[str, dict[str, str]]  # counter id -> attributes to set
    removed: frozenset[str]

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed


def delta(applied: Iterable[str], now: Mapping[str, dict[str, str]]) -> Delta:
    """What to add (+1) and take away (-1) so the aggregates hold `now` instead of what
    was applied before."""
    before = set(applied)
    return Delta({c: attrs for c, attrs in now.items() if c not in before}, frozenset(before - set(now)))


# ------------------------------------------------------------------ what may be shown


def shown(count: int) -> bool:
    """Issue 20: "any group under 10 people hidden"."""
    return count >= rules.MIN_GROUP


@dataclass(frozen=True)
class Stat:
    """One aggregate item of a skill, as read: its kind and argument (see the module's
    docstring), count and names."""

    kind: str
    arg: str
    count: int
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Insight:
    key: str
    label: str
    holders: int | None  # None: fewer than MIN_GROUP (hidden)
    growth: tuple[tuple[str, int], ...]  # (quarter, first-seen holders), oldest first, only groups shown
    co_skills: tuple[tuple[str, str, int], ...]  # (key, label, holders of both), most first
    credentials: tuple[tuple[str, str, str, int], ...]  # (tenant#template, name, issuer, holders)
    occupations: tuple[tuple[str, str], ...] = ()  # (uri, label)
    hidden_groups: int = 0  # how many groups were left out for being under MIN_GROUP

    @property
    def anything(self) -> bool:
        return self.holders is not None


def _no_complement(holders: int, growth: list[tuple[str, int]], hidden: int) -> tuple[list[tuple[str, int]], int]:
    """The quarters split the holders exactly (each holder is counted in the quarter they
    first held the skill), so a hidden quarter's size would be the holders minus the shown
    quarters (second review: the demo's hidden 2 = 13 - 11). Complementary suppression:
    while the quarters left out add up to fewer than MIN_GROUP people (but some), the
    smallest shown quarter is left out too, so no subtraction names a group under 10."""
    shown_q = sorted(growth, key=lambda q: (q[1], q[0]))
    rest = holders - sum(c for _, c in shown_q)
    while shown_q and 0 < rest < rules.MIN_GROUP:
        _, count = shown_q.pop(0)
        rest += count
        hidden += 1
    return shown_q, hidden


def insight(skill_key: str, label: str, stats: Iterable[Stat],
            occupations: Iterable[tuple[str, str]] = ()) -> Insight:
    """The insight of one skill from its aggregate items, every group under MIN_GROUP
    left out (and counted in `hidden_groups`, which says only that some were)."""
    holders = 0
    growth, co, creds = [], [], []
    hidden = 0
    for s in stats:
        if s.kind == HOLDERS:
            holders = s.count
            label = s.attrs.get("label") or label
            continue
        if s.count <= 0:
            continue
        if not shown(s.count):
            hidden += 1
            continue
        if s.kind == QUARTER:
            growth.append((s.arg, s.count))
        elif s.kind == CO:
            co.append((s.arg, s.attrs.get("label") or s.arg.split(":", 1)[-1], s.count))
        elif s.kind == CRED:
            creds.append((s.arg, s.attrs.get("name") or "", s.attrs.get("issuer") or "", s.count))
    if not shown(holders):
        # a skill held by fewer than MIN_GROUP people says nothing at all: its other groups
        # are subsets of its holders, so they are under MIN_GROUP too
        return Insight(skill_key, label, None, (), (), (), tuple(occupations), 0)
    growth, hidden = _no_complement(holders, growth, hidden)
    growth.sort()
    co.sort(key=lambda c: (-c[2], c[1].casefold()))
    creds.sort(key=lambda c: (-c[3], c[1].casefold()))
    return Insight(skill_key, label, holders, tuple(growth), tuple(co[:TOP]), tuple(creds[:TOP]),
                   tuple(occupations), hidden)
