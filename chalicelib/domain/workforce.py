"""Workforce skills (issue 20, item 3): what an organization may see of the employees who
linked their wallets to it, and the sums its pages make of it. Pure: no I/O, no clock
reads (services/workforce.py passes `now` and what it read).

What an employer sees of a linked employee: the display name, and each skill the earner
lets others count (domain/skills.counts: accepted, not revoked, not hidden; nothing
while restricted) with the names and issuers of the credentials it comes from. Nothing
else: not the credentials themselves, their ids, dates, evidence, or other addresses.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from .errors import BadRequest
from .skills import Profile, counts, is_key, key

INVITATION_DAYS = 30
MAX_INVITATIONS = 200  # addresses per request
INVITE_REQUESTS_PER_HOUR = 20  # per organization: at most 4,000 mails an hour
MAX_TERMS = 5  # skills in one search
MAX_TEAM_MEMBERS = 500
_ADDRESS = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
_SPLIT = re.compile(r"[\s,;]+")
_INVITATION = re.compile(r"^([0-9a-f]{16})\.([a-z2-7]{32})$")


def invitation_expires(now: datetime) -> datetime:
    return now + timedelta(days=INVITATION_DAYS)


def addresses(text: str) -> list[str]:
    """A pasted list of addresses (one a line, or separated by commas, semicolons or
    spaces; "Name <a@b>" is not accepted), each once, at most MAX_INVITATIONS."""
    found = list(dict.fromkeys(a.strip().lower() for a in _SPLIT.split(text or "") if a.strip()))
    if not found:
        raise BadRequest("enter at least one e-mail address", code="invalid_addresses")
    if len(found) > MAX_INVITATIONS:
        raise BadRequest(f"at most {MAX_INVITATIONS} addresses at once", code="too_many_addresses")
    bad = [a for a in found if not _ADDRESS.match(a) or len(a) > 320 or not a.isascii()]
    if bad:
        raise BadRequest(f"not an e-mail address: {bad[0][:100]}", code="invalid_addresses")
    return found


def invitation_code(tenant_id: str, token: str) -> str:
    """What the mailed link carries: the organization (to find the invitation in one
    read) and the secret (stored only as its hash)."""
    return f"{tenant_id}.{token}"


def split_invitation(code: str) -> tuple[str, str] | None:
    match = _INVITATION.match(code or "")
    return (match.group(1), match.group(2)) if match else None


def entry_skills(profile: Profile, counted_keys: Iterable[str]) -> dict[str, dict]:
    """{skill key: {"label", "sources": [[credential name, issuer name], ...]}} for the
    skills the earner lets others count, from the sources that count (a hidden
    credential's name never reaches an employer, even when the skill is held elsewhere)."""
    wanted = set(counted_keys)
    out: dict[str, dict] = {}
    for skill in profile.skills:
        if skill.key not in wanted:
            continue
        sources = [[s.name, s.issuer] for s in skill.sources if counts(s)]
        if sources:
            out[skill.key] = {"label": skill.label, "sources": list(map(list, dict.fromkeys(map(tuple, sources))))}
    return out


def terms(text: str) -> list[str]:
    """The skills asked for: skill keys (`esco:<uuid>`, `text:<words>`) or words, comma-separated."""
    found = list(dict.fromkeys(" ".join(t.split()) for t in (text or "").split(",") if t.strip()))
    if len(found) > MAX_TERMS:
        raise BadRequest(f"at most {MAX_TERMS} skills in one search", code="invalid_query")
    if any(len(t) > 120 for t in found):
        raise BadRequest("a skill is at most 120 characters", code="invalid_query")
    return found


def matching(skills: dict[str, dict], term: str) -> list[str]:
    """The keys of `skills` a term names: the key itself, or words found in a skill's label."""
    if is_key(term) and term in skills:
        return [term]
    if is_key(term):
        return []
    words = term.casefold()
    exact = key(term)
    return [k for k, s in skills.items() if k == exact or words in s["label"].casefold()]


def search(entries: list[dict], asked: list[str]) -> list[dict]:
    """Employees holding every skill asked for (each term matched by at least one skill),
    with the matching skills and their sources; by name."""
    results = []
    for entry in entries:
        found: dict[str, dict] = {}
        for term in asked:
            keys = matching(entry["skills"], term)
            if not keys:
                break
            found.update({k: entry["skills"][k] for k in keys})
        else:
            if asked:
                results.append({"earner_id": entry["earner_id"], "name": entry["name"],
                                "skills": [{"key": k, **v} for k, v in found.items()]})
    return sorted(results, key=lambda r: (r["name"].casefold(), r["earner_id"]))


def coverage(entries: list[dict]) -> list[dict]:
    """For each skill held in the group: how many members hold it (most held first)."""
    held: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for entry in entries:
        for k, s in entry["skills"].items():
            held[k] += 1
            labels.setdefault(k, s["label"])
    return [{"key": k, "label": labels[k], "holders": n}
            for k, n in sorted(held.items(), key=lambda kv: (-kv[1], labels[kv[0]].casefold()))]


def gaps(required: list[dict], entries: list[dict]) -> list[dict]:
    """A role's required skills, each with how many of the group hold it; those nobody
    holds first (the gaps), then the least held."""
    out = []
    for skill in required:
        holders = sum(1 for e in entries if skill["key"] in e["skills"])
        out.append({**skill, "holders": holders})
    return sorted(out, key=lambda s: (s["holders"], s["label"].casefold()))


def role_skills(uris_with_labels: list[tuple[str, str | None]], free_text: Iterable[str]) -> list[dict]:
    """A role's required skills: ESCO ones (label, uri) and free-text ones, each once."""
    out: dict[str, dict] = {}
    for label, uri in uris_with_labels:
        label = " ".join((label or "").split())[:200]
        if label:
            out.setdefault(key(label, uri), {"key": key(label, uri), "label": label, "uri": uri})
    for text in free_text:
        text = " ".join((text or "").split())[:200]
        if text:
            out.setdefault(key(text), {"key": key(text), "label": text, "uri": None})
    return list(out.values())
