"""Talent search at two network sizes, under moto in-process (issue 20, "Measured").

"`benchmarks/skills.py`: 100,000 credentials across 20,000 earners with ESCO skills:
prints `skill_search_p95_ms` for a two-skill talent search and last
`skill_search_read_growth` (AWS calls at 100,000 ÷ at 10,000 credentials; target ≤ 1.2)."

What is built: a network of 20,000 earners holding 5 credentials each (100,000), and
one of 2,000 earners (10,000 credentials), both drawn from the same generator: 400
templates of 20 issuers, each teaching 4 skills drawn (Zipf-weighted, as a few skills
are common and most are rare) from 300 skills named by ESCO-form URIs
(`http://data.europa.eu/esco/skill/<uuid>`; the ESCO index itself is the taxonomy
work's, so the URIs here are synthetic ones of the same shape: the search only sees
their keys); every earner's templates are drawn Zipf-weighted too; 30 % of the
earners opted in, each with a city and country.

The credentials are what produce the profiles. Issuing and accepting 100,000
credentials through the API would take hours under moto, so each opted-in earner's
index is written directly, with exactly the entries `profile_changed` builds from the
IndexedProfile those credentials give (every counted skill, kinds, issuers, templates,
credential names, place, name), through the store's bulk loader
`store.talent.load_entries`: the same items `store.talent.write_entries` (what
`profile_changed` calls) leaves, batched 25 to a BatchWriteItem across earners, since
three requests per earner under moto on this shared machine took ~0.35 s per earner
(over half an hour for 10,000 opted-in earners).

Measured: `services.talent.search` (the console's search: the rate-limit counter, the
Queries of the first skill's partition in bounded pages, the audit entry) for the two
skills that go together most often, run 200 times on the large network. AWS calls are
counted at the botocore level (tests/aws_calls.py `recording`). moto's base-table
Query is made partition-local as DynamoDB's is (`_partition_local_queries`). Under
moto most of a search's milliseconds are moto serialising the Query's answer (about
85 % in a profile here; Laurel's own part, filtering and sealing handles, is a few
milliseconds): the figure is an upper bound, the calls are the measure. Takes
about 75 s on this 2-core machine when it is otherwise idle (6 minutes while other
test runs share it), nearly all of it moto storing the 100,000-credential network's
index.
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from collections import Counter
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _moto_env import setup  # noqa: E402

setup()

SMALL, LARGE = 10_000, 100_000  # credentials
PER_EARNER = 5
SKILLS, TEMPLATES, ISSUERS, SKILLS_PER_TEMPLATE = 300, 400, 20, 4
OPTED_IN = 0.3  # most earners do not look for a job at any one time
RUNS = 200
PLACES = [("Lisboa", "PT"), ("Porto", "PT"), ("Madrid", "ES"), ("Paris", "FR"), ("Berlin", "DE"),
          ("São Paulo", "BR"), ("Lyon", "FR"), ("Hamburg", "DE")]


def _partition_local_queries() -> None:
    """moto answers a Query of the base table by walking every item of the table
    (moto/dynamodb/models/table.py `Table.query`: `for item in self.all_items()`), so
    under moto a Query's time grows with the table, while DynamoDB reads only the
    partition named. Here a base-table Query walks only its partition (moto's own
    `self.items[hash_key]`), as DynamoDB does: only the emulator's speed changes; the
    requests, their answers and the number of calls are the same."""
    import inspect

    from moto.dynamodb.models.table import Table

    original = Table.query
    signature = inspect.signature(original)

    def query(self: Table, *args: object, **kwargs: object) -> object:
        bound = signature.bind(self, *args, **kwargs).arguments
        if bound.get("index_name"):
            return original(self, *args, **kwargs)
        partition = list(self.items.get(bound["hash_key"], {}).values())
        self.all_items = lambda: partition  # type: ignore[method-assign]
        try:
            return original(self, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query  # type: ignore[method-assign]


def _network(seed: int = 20) -> tuple[list[str], list[dict], random.Random]:
    rng = random.Random(seed)
    skill_uris = [f"http://data.europa.eu/esco/skill/{uuid.UUID(int=rng.getrandbits(128), version=4)}"
                  for _ in range(SKILLS)]
    skill_weights = [1 / (i + 1) ** 1.1 for i in range(SKILLS)]
    kinds = ["certification", "micro-credential", "badge"]
    templates = []
    for t in range(TEMPLATES):
        chosen: set[str] = set()
        while len(chosen) < SKILLS_PER_TEMPLATE:
            chosen.add(rng.choices(skill_uris, skill_weights)[0])
        issuer = t % ISSUERS
        templates.append({"tenant": f"issuer{issuer:02d}", "issuer_name": f"Issuer {issuer:02d}",
                          "id": f"tpl{t:03d}", "name": f"Course {t:03d}", "kind": kinds[t % 3],
                          "skills": sorted(chosen)})
    return skill_uris, templates, rng


def _earners(count: int, templates: list[dict], seed: int = 21) -> list[dict]:
    """The same first earners at every size: the small network is the large one's start."""
    rng = random.Random(seed)
    weights = [1 / (i + 1) ** 0.9 for i in range(len(templates))]
    out = []
    for n in range(count):
        held = rng.choices(templates, weights, k=PER_EARNER)
        city, country = rng.choice(PLACES)
        out.append({"id": f"{n:032x}", "templates": held, "opted": rng.random() < OPTED_IN,
                    "city": city, "country": country, "name": f"Earner {n}"})
    return out


def _entries(earner: dict) -> list[dict]:
    """What profile_changed writes for an IndexedProfile built from these credentials."""
    from chalicelib.domain import skills as rules
    from chalicelib.services.talent import normalise_place

    keys = list(dict.fromkeys(rules.key("", uri) for t in earner["templates"] for uri in t["skills"]))
    common = {"display_name": earner["name"], "skills": keys, "labels": {k: f"Skill {k[5:13]}" for k in keys},
              "kinds": list(dict.fromkeys(t["kind"] for t in earner["templates"])),
              "issuers": list(dict.fromkeys(t["tenant"] for t in earner["templates"])),
              "issuer_names": list(dict.fromkeys(t["issuer_name"] for t in earner["templates"])),
              "templates": list(dict.fromkeys(f"{t['tenant']}#{t['id']}" for t in earner["templates"])),
              "credentials": list(dict.fromkeys(t["name"] for t in earner["templates"])),
              "city": earner["city"], "city_norm": normalise_place(earner["city"]), "country": earner["country"]}
    return [{"skill": k, **common} for k in keys]


def _pair(earners: list[dict]) -> tuple[str, str]:
    """The two skills most often held together (by opted-in earners): a search with results."""
    from chalicelib.domain import skills as rules

    together: Counter = Counter()
    for e in earners:
        if e["opted"]:
            keys = sorted({rules.key("", uri) for t in e["templates"] for uri in t["skills"]})
            together.update(combinations(keys, 2))
    (a, b), _ = together.most_common(1)[0]
    return a, b


def _fill(earners: list[dict]) -> int:
    from chalicelib.store import talent as store

    written = 0
    for start in range(0, len(earners), 1000):
        chunk = [(e["id"], _entries(e)) for e in earners[start:start + 1000] if e["opted"]]
        written += store.load_entries(chunk, "2026-12-01T00:00:00Z")
        print(f"earners_written {start + 1000}", flush=True)
    return written


def _measure(credentials: int, earners_all: list[dict], pair: tuple[str, str]) -> tuple[int, list[float]]:
    from moto import mock_aws

    from chalicelib.cli import init_resources
    from chalicelib.domain.members import Member
    from chalicelib.services import caches, talent
    from tests.aws_calls import recording

    earners = earners_all[:credentials // PER_EARNER]
    with mock_aws():
        caches.clear()
        init_resources()
        started = time.perf_counter()
        entries = _fill(earners)
        print(f"index_entries_at_{credentials} {entries} ({time.perf_counter() - started:.0f} s)", flush=True)
        recruiter = Member(tenant_id="recruiter01", member_id="m1", email="r@recruiter.example", role="admin",
                           grants=frozenset({"recruiting"}))
        talent.search(recruiter, skills=list(pair))  # warm: the container's one read of the secret
        with recording() as calls:
            found = talent.search(recruiter, skills=list(pair))
        print(f"skill_search_results_at_{credentials} {len(found['results'])} more={bool(found['next_cursor'])}")
        print(f"skill_search_calls_at_{credentials} {len(calls)} {calls}", flush=True)
        times = []
        for _ in range(RUNS if credentials == LARGE else 0):
            t0 = time.perf_counter()
            talent.search(recruiter, skills=list(pair))
            times.append((time.perf_counter() - t0) * 1000)
        return len(calls), times


def main() -> None:
    from chalicelib.domain.limits import Limit
    from chalicelib.services import talent

    # the benchmark's recruiter searches RUNS times within the hour: lift the per-member limit (still counted)
    talent.SEARCH_LIMIT = Limit("talent-search", 1_000_000, 3600)
    _partition_local_queries()
    _, templates, _ = _network()
    earners = _earners(LARGE // PER_EARNER, templates)
    pair = _pair(earners[:SMALL // PER_EARNER])
    print(f"search_skills {pair[0]} {pair[1]}")
    small, _ = _measure(SMALL, earners, pair)
    large, times = _measure(LARGE, earners, pair)
    times.sort()
    print(f"skill_search_p50_ms {times[len(times) // 2]:.1f}")
    print(f"skill_search_p95_ms {times[int(len(times) * 0.95) - 1]:.1f}")
    print(f"skill_search_read_growth {large / small:.2f}")


if __name__ == "__main__":
    main()
