"""ESCO, the EU's skills and occupations classification (issue 20, item 1): search,
look-ups by URI, and the essential skills of occupations.

The index is one file built at install and package time (scripts/esco_index.py,
chalicelib/data/esco-*.json.gz, git-ignored). It is read on the first call in a
container and kept (about 14,000 skills and 3,700 occupations): nothing here is
imported by the verification path.

Occupations: "roles map to ESCO occupations and their essential skills" (issue 20).
The index knows the essential skills of the occupations its data packages list them
for (ICT occupations); for the others `essential` is empty and the role form lets
members choose the skills.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..domain import taxonomy as rules
from ..domain.errors import BadRequest

DATA = Path(__file__).resolve().parents[1] / "data"
KINDS = ("skill", "occupation")


@dataclass
class Index:
    version: str
    attribution: str
    skills: list[rules.Entry]
    occupations: list[rules.Entry]
    by_uri: dict[str, rules.Entry] = field(default_factory=dict)
    needing: dict[str, list[str]] = field(default_factory=dict)  # skill uri -> occupation uris


_lock = threading.Lock()
_index: Index | None = None


def _path() -> Path:
    found = sorted(DATA.glob("esco-*.json.gz"))
    if not found:
        raise RuntimeError("the ESCO index is missing: run `make install` (scripts/esco_index.py)")
    return found[-1]


def load(path: Path | None = None) -> Index:
    raw = json.loads(gzip.decompress((path or _path()).read_bytes()))
    skills = [rules.entry("skill", uuid, label, text, skill_type=kind, exact_label=bool(exact))
              for uuid, label, text, kind, exact in raw["skills"]]
    occupations = [rules.entry("occupation", uuid, label, text, essential=essential)
                   for uuid, label, text, essential in raw["occupations"]]
    index = Index(raw["version"], raw["attribution"], skills, occupations)
    index.by_uri = {e.uri: e for e in skills + occupations}
    for occ in occupations:
        for uri in occ.essential or ():
            index.needing.setdefault(uri, []).append(occ.uri)
    return index


def index() -> Index:
    """The index, read once per container."""
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = load()
    return _index


def attribution() -> str:
    return index().attribution


def version() -> str:
    return index().version


def search(q: str | None, kind: str = "skill", limit: int = 10) -> list[dict]:
    """`{"uri", "label"(, "type")}` of the best matches; a query of 2 to 100 characters."""
    q = (q or "").strip()
    if not rules.MIN_QUERY <= len(q) <= rules.MAX_QUERY:
        raise BadRequest(f"q must be {rules.MIN_QUERY} to {rules.MAX_QUERY} characters", code="invalid_query")
    if kind not in KINDS:
        raise BadRequest("kind must be skill or occupation", code="invalid_query")
    if not 1 <= limit <= rules.MAX_LIMIT:
        raise BadRequest(f"limit must be a number from 1 to {rules.MAX_LIMIT}", code="invalid_query")
    ix = index()
    return [e.public() for e in rules.search(ix.skills if kind == "skill" else ix.occupations, q, limit)]


def skill(uri: str | None) -> dict | None:
    """`{"uri", "label"(, "type")}` of an ESCO skill URI the index knows, else None."""
    found = index().by_uri.get(uri or "")
    return found.public() if found is not None and found.kind == "skill" else None


def occupation(uri: str | None) -> dict | None:
    """`{"uri", "label", "essential": [skill uris]}`; `essential` is empty when the data
    does not say (the role form then lets members choose the skills)."""
    found = index().by_uri.get(uri or "")
    if found is None or found.kind != "occupation":
        return None
    return {"uri": found.uri, "label": found.label, "essential": list(found.essential or ())}


def occupations_needing(uri: str | None) -> list[dict]:
    """The occupations that list this skill among their essential ones (`{"uri", "label"}`)."""
    ix = index()
    return [{"uri": o, "label": ix.by_uri[o].label} for o in ix.needing.get(uri or "", [])]
