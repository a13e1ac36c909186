"""ESCO taxonomy (issue 20, item 1): "Taxonomy search returns the right ESCO URIs for a
table of queries", the public `GET /skills/search` route, occupations' essential skills."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.aws_calls import recording
from tests.conftest import body

SKILL = "http://data.europa.eu/esco/skill/"
OCCUPATION = "http://data.europa.eu/esco/occupation/"
ROOT = Path(__file__).resolve().parents[2]

# query -> the ESCO skill that must come first (looked up in the ESCO data files)
FIRST = [
    ("Haskell", "000f1d3d-220f-4789-9c0a-cc742521fb02"),  # exact label
    ("HASKELL", "000f1d3d-220f-4789-9c0a-cc742521fb02"),  # case
    ("project management", "7111b95d-0ce3-441a-9d92-4c75d05c4388"),
    ("manage musical staff", "0005c151-5b5a-4a66-8aac-60e734beb1ab"),  # a label derived from the CSV
    ("Python", "ccd0a1d9-afda-43d9-b901-96344886e14d"),  # "Python (computer programming)": label prefix
    ("Pythön", "ccd0a1d9-afda-43d9-b901-96344886e14d"),  # accents
    ("Java", "19a8293b-8e95-4de3-983f-77484079c389"),  # "Java (computer programming)" before "JavaScript"
    ("JavaScript", "3cd569a2-4f88-4c1e-9995-8dce8c5e51a7"),
    ("SQL", "598de5b0-5b58-4ea7-8058-a4bc4d18c742"),
    ("C++", "b633eb55-8f1f-4ae6-ab4c-2022ffe2cb7f"),  # signs kept
    ("customer service", "15a33d76-4640-438d-ae64-fdc0c1d3eebc"),
    ("machine learning", "3a2d5b45-56e4-4f5a-a55a-4a4a65afdc43"),
    ("use microsoft office", "f683ae1d-cb7c-4aa1-b9fe-205e1bd23535"),
    ("programming python", "ccd0a1d9-afda-43d9-b901-96344886e14d"),  # word prefixes, any order
    ("utilize regular expressions", "697dcc9f-ae92-4506-b5f2-e770d7589f74"),  # an alternative label
]


@pytest.mark.parametrize(("query", "uuid"), FIRST)
def test_taxonomy_search_returns_the_right_esco_uri_first(query, uuid):
    from chalicelib.services import taxonomy

    found = taxonomy.search(query, limit=5)
    assert found and found[0]["uri"] == SKILL + uuid, (query, found)
    assert all(set(r) <= {"uri", "label", "type"} and r["uri"].startswith(SKILL) for r in found)


def test_ranking_puts_label_matches_before_description_matches():
    from chalicelib.services import taxonomy

    found = taxonomy.search("Haskell", limit=5)
    # Haskell (its label) first; "use functional programming" names Haskell only in its alternative labels
    assert [r["label"] for r in found][:2] == ["Haskell", "use functional programming"]
    assert taxonomy.search("zzqx unknown words", limit=5) == []


def test_skill_and_occupation_lookups_and_essential_skills():
    from chalicelib.services import taxonomy

    assert taxonomy.skill(SKILL + "000f1d3d-220f-4789-9c0a-cc742521fb02") == {
        "uri": SKILL + "000f1d3d-220f-4789-9c0a-cc742521fb02", "label": "Haskell", "type": "knowledge"}
    assert taxonomy.skill(SKILL + "00000000-0000-0000-0000-000000000000") is None
    assert taxonomy.skill(OCCUPATION + "0464b062-cea6-4164-b10d-956c61956ae7") is None  # an occupation, not a skill
    occupation = taxonomy.search("ICT security administrator", kind="occupation", limit=3)[0]
    assert occupation["uri"] == OCCUPATION + "0464b062-cea6-4164-b10d-956c61956ae7"
    known = taxonomy.occupation(occupation["uri"])
    assert known["label"] == "ICT security administrator" and len(known["essential"]) == 21
    assert all(taxonomy.skill(uri) for uri in known["essential"])
    # "maintain database security" is one of its essential skills, and the skill knows the occupations needing it
    database_security = taxonomy.search("maintain database security", limit=1)[0]["uri"]
    assert database_security in known["essential"]
    assert occupation["uri"] in [o["uri"] for o in taxonomy.occupations_needing(database_security)]
    # an occupation whose essential skills the data does not list: empty, the role form lets members choose
    nurse = taxonomy.search("nurse responsible for general care", kind="occupation", limit=1)[0]
    assert taxonomy.occupation(nurse["uri"])["essential"] == []
    assert taxonomy.occupation(SKILL + "000f1d3d-220f-4789-9c0a-cc742521fb02") is None


def test_the_index_is_one_versioned_file_with_its_attribution_and_every_esco_skill():
    from chalicelib.services import taxonomy

    ix = taxonomy.index()
    assert len(ix.skills) == 13939 and len(ix.occupations) > 3000
    assert taxonomy.version() in taxonomy._path().name
    assert "CC BY 4.0" in taxonomy.attribution() and "European Union" in taxonomy.attribution()
    assert len({e.uri for e in ix.skills}) == len(ix.skills)


def test_skills_search_route_answers_json_without_any_aws_call(client):
    with recording() as calls:
        res = client.http.get("/skills/search?q=haskell&limit=2")
    assert res.status_code == 200, res.body
    doc = body(res)
    assert doc["results"][0] == {"uri": SKILL + "000f1d3d-220f-4789-9c0a-cc742521fb02", "label": "Haskell",
                                 "type": "knowledge"}
    assert len(doc["results"]) == 2
    assert "CC BY 4.0" in doc["attribution"]
    assert res.headers["Access-Control-Allow-Origin"] == "*"
    assert calls == []
    occupations = body(client.http.get("/skills/search?q=software+developer&kind=occupation"))["results"]
    assert occupations[0]["uri"] == OCCUPATION + "f2b15a0e-e65a-438a-affb-29b9d50b77d1"


@pytest.mark.parametrize("query", ["", "?q=", "?q=a", "?q=" + "a" * 101, "?q=java&limit=0", "?q=java&limit=26",
                                   "?q=java&limit=ten", "?q=java&kind=role", "?q=java&q=sql", "?q=%20%20a%20"])
def test_skills_search_refuses_bad_queries_with_a_400(client, query):
    res = client.http.get("/skills/search" + query)
    assert res.status_code == 400, (query, res.status_code, res.body)
    assert json.loads(res.body)["error"]["code"] == "invalid_query"


def test_the_index_is_not_read_by_importing_the_app():
    """The verification path (one GetItem) never pays for reading ESCO: the service is
    imported, and the index read, only by a route that needs it."""
    code = ("import sys, app; from chalicelib.services import verification; "
            "print('chalicelib.services.taxonomy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
