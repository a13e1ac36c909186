"""Aggregate issuance analytics: counts, rates, medians, top skills. Pure.

Only aggregates come out of here: no credential ids, no names, no addresses. The
inputs (`Facts`) do not even carry them, so a report cannot leak them by mistake.

Definitions (every credential falls in exactly one outcome, so
`issued == pending + accepted + rejected + revoked + expired`):
- revoked, rejected: the stored status, whatever the expiry date says;
- expired: pending or accepted, not revoked, `expires_at <= now` (as
  `credentials.display_status` shows it to verifiers);
- pending, accepted: the stored status, not expired.
- acceptance_rate: credentials ever accepted (accepted_at set: still accepted,
  expired after acceptance, or revoked after acceptance) / issued; none when
  nothing was issued.
- median_hours_to_accept: from the moment the credential was issued in Laurel
  (created, i.e. the claim mail went out) to its acceptance. The issuer-supplied
  `issued_at` can be backdated by years (imported history), which would make the
  figure meaningless, so it is not used.
- top_skills: skills of the issued credentials as they were at issue time (the
  snapshot), most frequent first; skills that differ only in letter case count as
  one, shown as first seen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

OUTCOMES = ("pending", "accepted", "rejected", "revoked", "expired")
TOP_SKILLS = 10


@dataclass(frozen=True)
class Facts:
    """What analytics may know about one credential."""

    template_id: str
    status: str  # stored status: pending | accepted | rejected | revoked
    created_at: datetime
    accepted_at: datetime | None = None
    expires_at: datetime | None = None
    skills: tuple[str, ...] = ()


def outcome(facts: Facts, now: datetime) -> str:
    if facts.status in ("revoked", "rejected"):
        return facts.status
    if facts.expires_at is not None and facts.expires_at <= now:
        return "expired"
    return facts.status if facts.status in OUTCOMES else "pending"


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def rate(part: int, whole: int) -> float | None:
    """`part / whole` rounded to 4 places; none when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def hours_to_accept(facts: Facts) -> float | None:
    if facts.accepted_at is None:
        return None
    seconds = (facts.accepted_at - facts.created_at).total_seconds()
    return max(seconds, 0.0) / 3600  # clock skew never makes it negative


def top_skills(skill_lists: Iterable[Sequence[str]], limit: int = TOP_SKILLS) -> list[dict]:
    counts: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for skills in skill_lists:
        once = {s.strip().casefold(): s.strip() for s in skills if isinstance(s, str) and s.strip()}
        for folded, label in once.items():  # a skill listed twice on one credential counts once
            labels.setdefault(folded, label)
            counts[folded] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], labels[kv[0]].casefold(), labels[kv[0]]))
    return [{"skill": labels[k], "count": n} for k, n in ranked[:limit]]


def summarize(facts: Iterable[Facts], now: datetime) -> dict:
    """The figures for one set of credentials (a template's, or a whole issuer's)."""
    counts = dict.fromkeys(OUTCOMES, 0)
    ever_accepted = 0
    hours: list[float] = []
    skill_lists: list[Sequence[str]] = []
    issued = 0
    for f in facts:
        issued += 1
        counts[outcome(f, now)] += 1
        h = hours_to_accept(f)
        if h is not None:
            ever_accepted += 1
            hours.append(h)
        skill_lists.append(f.skills)
    mid = median(hours)
    return {
        "issued": issued,
        **counts,
        "ever_accepted": ever_accepted,
        "acceptance_rate": rate(ever_accepted, issued),
        "median_hours_to_accept": None if mid is None else round(mid, 2),
        "top_skills": top_skills(skill_lists),
    }


def by_template(facts: Iterable[Facts], now: datetime) -> dict[str, dict]:
    """`summarize` per template id."""
    groups: dict[str, list[Facts]] = {}
    for f in facts:
        groups.setdefault(f.template_id, []).append(f)
    return {tid: summarize(group, now) for tid, group in groups.items()}
