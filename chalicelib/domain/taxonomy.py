"""ESCO skills and occupations (issue 20, item 1): the index's entries and how a query
ranks them. Pure: `services/taxonomy.py` reads the index file and hands its rows in.

Ranking (best first): the preferred label is the query; the label starts with it
(whole words first); every query word starts a word of the label; every query word
starts a word of the label, the alternative labels or the description. Within a rank, shorter labels first, then
alphabetical. Comparison ignores case and accents ("Sante" finds "santé").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .skills import ESCO_OCCUPATION, ESCO_SKILL

MIN_QUERY = 2
MAX_QUERY = 100
MAX_LIMIT = 25
_NOT_WORD = re.compile(r"[^0-9a-z+#]+")  # "C++" and "C#" keep their signs


def fold(text: str) -> str:
    """Lower case, accents off, punctuation to spaces, one space between words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", plain).split())


@dataclass(frozen=True)
class Entry:
    uri: str
    label: str
    kind: str  # "skill" | "occupation"
    skill_type: str = ""  # ESCO skillType where known: "skill/competence" | "knowledge"
    essential: tuple[str, ...] | None = None  # occupations: essential skill URIs (None: not known)
    exact_label: bool = True  # False: the preferred label was derived (scripts/esco_index.py)
    # folded (`words`: the index's folded words of the alt labels and description, see
    # scripts/esco_index.py), with a leading space so " word" finds a word start
    label_key: str = ""
    text_key: str = ""
    all_key: str = ""  # both: one substring test per entry narrows the candidates (search)

    def public(self) -> dict:
        out = {"uri": self.uri, "label": self.label}
        if self.skill_type:
            out["type"] = self.skill_type
        return out


def entry(kind: str, uuid: str, label: str, words: str, *, skill_type: str = "",
          essential: Sequence[str] | None = None, exact_label: bool = True) -> Entry:
    base = ESCO_SKILL if kind == "skill" else ESCO_OCCUPATION
    return Entry(uri=base + uuid, label=label, kind=kind, skill_type=skill_type,
                 essential=None if essential is None else tuple(ESCO_SKILL + u for u in essential),
                 exact_label=exact_label, label_key=" " + fold(label), text_key=" " + words,
                 all_key=" " + fold(label) + " \t " + words)


def rank(e: Entry, q: str, words: list[str]) -> int | None:
    """0 exact label; 1 the label starts with the query's words ("Java" before "JavaScript"),
    2 with its letters; 3 every query word starts a word of the label; 4 of the label,
    alternative labels or description; None: no match."""
    label = e.label_key[1:]
    if label == q:
        return 0
    if label.startswith(q + " "):
        return 1
    if label.startswith(q):
        return 2
    if all(" " + w in e.label_key for w in words):
        return 3
    if all(" " + w in e.all_key for w in words):
        return 4
    return None


def search(entries: Iterable[Entry], query: str, limit: int) -> list[Entry]:
    q = fold(query)
    if not q:
        return []
    words = q.split()
    needle = " " + max(words, key=len)
    found = []
    for e in [e for e in entries if needle in e.all_key]:
        r = rank(e, q, words)
        if r is not None:
            found.append((r, len(e.label), e.label_key, e))
    found.sort(key=lambda t: t[:3])
    return [t[3] for t in found[:limit]]


# ------------------------------------------------------------------ skills named by an imported badge

MAX_BADGE_SKILLS = 50
MAX_SKILL_NAME = 200
_ESCO_SKILL_URI = re.compile(r"^https?://data\.europa\.eu/esco/skill/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
                             r"[0-9a-f]{4}-[0-9a-f]{12})$")


def esco_skill_uri(value: object) -> str | None:
    """The ESCO skill URI `value` names (in ESCO's own http form), else None."""
    found = _ESCO_SKILL_URI.match(value.strip()) if isinstance(value, str) else None
    return ESCO_SKILL + found[1] if found else None


def badge_skills(tags: object, alignment: object) -> list[dict]:
    """The skills a badge names, `[{"name", "uri"}]`: its tags (OB 2.0 BadgeClass `tags`,
    OB 3.0 Achievement `tag`), then its alignments (`targetName`; `uri` only when
    `targetUrl` is an ESCO skill). A tag and an alignment of the same name are one skill
    (with the alignment's URI). Read from someone else's document: anything that is not
    text is skipped, names are cut to 200 characters, at most 50 skills."""
    out: list[dict] = []
    by_name: dict[str, dict] = {}

    def add(name: object, uri: str | None) -> None:
        if not isinstance(name, str) or not name.strip() or len(out) >= MAX_BADGE_SKILLS:
            return
        name = " ".join(name.split())[:MAX_SKILL_NAME]
        seen = by_name.get(name.casefold())
        if seen is not None:
            seen["uri"] = seen["uri"] or uri
            return
        by_name[name.casefold()] = entry = {"name": name, "uri": uri}
        out.append(entry)

    for tag in tags if isinstance(tags, list) else [tags] if isinstance(tags, str) else []:
        add(tag, None)
    for target in alignment if isinstance(alignment, list) else [alignment] if isinstance(alignment, dict) else []:
        if isinstance(target, dict):
            add(target.get("targetName"), esco_skill_uri(target.get("targetUrl")))
    return out
