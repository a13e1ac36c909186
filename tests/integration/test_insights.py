"""Issue 20, items 2, 5 and 6 (profile): the stored skill profile and the per-skill
aggregates kept on the write path, read back as insights with every group under 10
people hidden; consent (opted out, hidden, revoked, restricted, erased) and exactly-once
counting under retries and concurrent refreshes."""

from __future__ import annotations

import pytest

from chalicelib.domain import ids
from chalicelib.domain import skills as skill_rules
from chalicelib.services import insights, rights, skill_profile, wallet
from tests.conftest import body, scan_table
from tests.helpers import active_template, issue, new_issuer, post

PY = skill_rules.key("Python")
SQL = skill_rules.key("SQL")
DQ = skill_rules.key("Data quality")


def _stats(skill_key: str) -> dict[str, int]:
    return {i["sk"]: int(i["n"]) for i in scan_table() if i["pk"] == f"SKILLSTAT#{skill_key}"}


def _earner(client, key: str, tpl: str, email: str, **extra) -> tuple[str, str]:
    """An earner with an account who accepted one credential of `tpl` (real services)."""
    res = issue(client, key, tpl, email, **extra)
    assert res.status_code == 201, res.body
    cid = body(res)["id"]
    earner_id = wallet.sign_in(email, ids.email_hash(email))
    assert wallet.decide(earner_id, cid, "accept") == "accepted"
    return earner_id, cid


@pytest.fixture()
def org(client):
    _, key = new_issuer()
    tpl = active_template(client, key, name="Python for data", skills=["Python", "SQL"])
    return key, tpl


def test_accepting_counts_holders_co_skills_quarter_and_credential(client, org):
    key, tpl = org
    _earner(client, key, tpl, "p1@example.com", issued_at="2026-02-10T09:00:00Z")
    stats = _stats(PY)
    assert len(stats) == 4, stats
    cred = [sk for sk in stats if sk.startswith("CRED#")]
    assert len(cred) == 1 and cred[0].endswith(f"#{tpl}") and stats[cred[0]] == 1
    assert stats["HOLDERS"] == 1 and stats["Q#2026Q1"] == 1 and stats[f"CO#{SQL}"] == 1
    assert _stats(SQL)[f"CO#{PY}"] == 1
    names = {i["sk"]: i for i in scan_table() if i["pk"] == f"SKILLSTAT#{PY}"}
    assert names["HOLDERS"]["label"] == "Python" and names[cred[0]]["name"] == "Python for data"
    assert names[f"CO#{SQL}"]["label"] == "SQL"


def test_two_refreshes_count_once(client, org):
    key, tpl = org
    earner_id, _ = _earner(client, key, tpl, "p1@example.com")
    skill_profile.refresh(earner_id)
    skill_profile.refresh(earner_id)
    assert _stats(PY)["HOLDERS"] == 1
    stored = next(i for i in scan_table() if i["pk"] == f"EARNER#{earner_id}" and i["sk"] == "SKILLS")
    assert f"{PY}\tholders\t" in stored["applied"]


def test_concurrent_refreshes_count_once(client, org, monkeypatch):
    """Two refreshes of the same earner at once (a retried request and the first): the
    second runs entirely between the first's read of the profile item and its write.
    The version condition refuses the first's write; it recomputes and finds nothing left
    to add. (Threads would not show it: moto applies a transaction without a lock.)"""
    from chalicelib.store import earners as earner_store
    from chalicelib.store import skills as store

    key, tpl = org
    earner_id, _ = _earner(client, key, tpl, "p1@example.com")
    earner_store.update_profile(earner_id, "2026-01-01T00:00:00Z", insights_opt_out=True)
    skill_profile.refresh(earner_id)
    assert _stats(PY)["HOLDERS"] == 0
    earner_store.update_profile(earner_id, "2026-01-01T00:00:00Z", insights_opt_out=None)
    real_get, reads = store.get, []

    def get_then_let_another_refresh_run(eid):
        stored = real_get(eid)
        reads.append(stored)
        if len(reads) == 1:
            monkeypatch.setattr(store, "get", real_get)
            skill_profile.refresh(eid)  # the other request, complete
            monkeypatch.setattr(store, "get", get_then_let_another_refresh_run)
        return stored

    monkeypatch.setattr(store, "get", get_then_let_another_refresh_run)
    skill_profile.refresh(earner_id)
    assert len(reads) == 2  # the first attempt was refused and read again
    assert _stats(PY)["HOLDERS"] == 1 and _stats(PY)[f"CO#{SQL}"] == 1


def test_a_stale_stored_profile_is_never_applied_twice(client, org):
    """A refresh that read the profile item before another refresh wrote it fails its
    condition and writes nothing (store/skills.apply)."""
    from chalicelib.domain import insights as rules
    from chalicelib.store import skills as store

    key, tpl = org
    earner_id, _ = _earner(client, key, tpl, "p1@example.com")
    stale = store.get(earner_id)
    assert stale is not None
    change = rules.delta(stale.applied, {})  # two writers, both read the same version, both take it back
    assert store.apply(earner_id, stale, change, [], "2026-01-01T00:00:00Z") is True  # the first wins
    assert _stats(PY)["HOLDERS"] == 0
    assert store.apply(earner_id, stale, change, [], "2026-01-01T00:00:00Z") is False  # the second: refused
    assert _stats(PY)["HOLDERS"] == 0
    skill_profile.refresh(earner_id)  # the repair adds it back once
    assert _stats(PY)["HOLDERS"] == 1


def test_quarter_growth_uses_the_earliest_counted_source(client, org):
    key, tpl = org
    tpl2 = active_template(client, key, name="More Python", skills=["Python"])
    earner_id, _ = _earner(client, key, tpl, "p1@example.com", issued_at="2026-05-02T09:00:00Z")
    assert _stats(PY)["Q#2026Q2"] == 1
    res = issue(client, key, tpl2, "p1@example.com", issued_at="2025-11-20T09:00:00Z")
    wallet.decide(earner_id, body(res)["id"], "accept")
    stats = _stats(PY)
    assert stats["Q#2025Q4"] == 1 and stats["Q#2026Q2"] == 0 and stats["HOLDERS"] == 1


def _network(client, key, tpl, n: int) -> list[str]:
    return [_earner(client, key, tpl, f"n{i}@example.com", issued_at="2026-01-15T09:00:00Z")[0] for i in range(n)]


def test_nine_holders_are_hidden_ten_are_shown(client, org):
    key, tpl = org
    _network(client, key, tpl, 9)
    hidden = insights.for_skill(PY, "Python")
    assert hidden.holders is None and hidden.growth == () and hidden.co_skills == () and hidden.credentials == ()
    _network_one = _earner(client, key, tpl, "tenth@example.com", issued_at="2026-01-20T09:00:00Z")
    assert _network_one
    shown = insights.for_skill(PY, "Python")
    assert shown.holders == 10
    assert shown.growth == (("2026Q1", 10),)
    assert shown.co_skills == ((SQL, "SQL", 10),)
    assert [(c[1], c[2], c[3]) for c in shown.credentials] == [("Python for data", "Acme Academy", 10)]


def test_a_group_under_ten_is_hidden_inside_a_shown_skill(client, org):
    """Ten hold Python; only three of them also hold Governance: that pair is hidden."""
    key, tpl = org
    _network(client, key, tpl, 10)
    tpl2 = active_template(client, key, name="Governance", skills=["Governance"])
    for i in range(3):
        res = issue(client, key, tpl2, f"n{i}@example.com")
        wallet.decide(wallet.sign_in(f"n{i}@example.com", ids.email_hash(f"n{i}@example.com")), body(res)["id"],
                      "accept")
    seen = insights.for_skill(PY, "Python")
    assert seen.holders == 10 and [c[0] for c in seen.co_skills] == [SQL]
    assert seen.hidden_groups >= 1
    assert _stats(PY)[f"CO#{skill_rules.key('Governance')}"] == 3  # counted, not shown


def test_consent_opted_out_hidden_revoked_restricted_erased_are_not_counted(client, org):
    key, tpl = org
    people = {name: _earner(client, key, tpl, f"{name}@example.com") for name in
              ("optout", "hider", "revoked", "restricted", "erased", "kept")}
    assert _stats(PY)["HOLDERS"] == 6
    wallet.set_skill_settings(people["optout"][0], skills_public=False, counted_in_insights=False)
    wallet.set_private(people["hider"][0], people["hider"][1], True)
    res = post(client, f"/credentials/{people['revoked'][1]}/revoke", key, {"reason": "Issued in error"})
    assert res.status_code == 200, res.body
    rights.restrict_earner(people["restricted"][0])
    rights.erase_earner(people["erased"][0])
    assert _stats(PY)["HOLDERS"] == 1 and _stats(SQL)[f"CO#{PY}"] == 1
    # and lifting the choices counts them again
    wallet.set_skill_settings(people["optout"][0], skills_public=False, counted_in_insights=True)
    wallet.set_private(people["hider"][0], people["hider"][1], False)
    wallet.update_profile(people["restricted"][0], None, True)  # showing the profile lifts the restriction
    assert _stats(PY)["HOLDERS"] == 3
    assert not [i for i in scan_table() if i["pk"] == f"EARNER#{people['erased'][0]}"]


def test_occupations_come_from_the_taxonomy_when_it_is_there(client, monkeypatch):
    """`services/taxonomy.occupations_needing` is the taxonomy work's; without it an
    insight names no occupation, and a free-text skill never has one."""
    import sys
    import types

    esco = skill_rules.key("python", "http://data.europa.eu/esco/skill/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12)
    monkeypatch.setitem(sys.modules, "chalicelib.services.taxonomy", types.ModuleType("chalicelib.services.taxonomy"))
    assert insights.occupations(esco) == ()  # a taxonomy without the function
    fake = types.ModuleType("chalicelib.services.taxonomy")
    asked = []

    def occupations_needing(uri):
        asked.append(uri)
        return [{"uri": "http://data.europa.eu/esco/occupation/x", "label": "Data engineer", "essential": []}]

    fake.occupations_needing = occupations_needing
    monkeypatch.setitem(sys.modules, "chalicelib.services.taxonomy", fake)
    assert insights.occupations(esco) == (("http://data.europa.eu/esco/occupation/x", "Data engineer"),)
    assert asked == [skill_rules.uri_of(esco)]
    assert insights.occupations(PY) == ()  # free text: no ESCO URI to ask about
    assert insights.for_skill(esco, "Python").occupations == (("http://data.europa.eu/esco/occupation/x",
                                                                  "Data engineer"),)
