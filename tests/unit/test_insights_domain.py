"""domain/insights.py: what one earner contributes to the per-skill aggregates, the
difference a refresh applies, and the hiding of every group under MIN_GROUP (10)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import insights as rules
from chalicelib.domain import skills as skill_rules
from chalicelib.domain.skills import Source

PY, SQL = skill_rules.key("Python"), skill_rules.key("SQL")


def H(k):  # noqa: N802
    return rules.counter_id(k, rules.HOLDERS)


def Q(k, q):  # noqa: N802
    return rules.counter_id(k, rules.QUARTER, q)


def CO(k, other):  # noqa: N802
    return rules.counter_id(k, rules.CO, other)


def CRED(k, t):  # noqa: N802
    return rules.counter_id(k, rules.CRED, t)


def _src(i: str = "c1", *, state: str = "valid", private: bool = False, issued_at: str = "2026-02-01T00:00:00Z",
         template: str = "t1", kind: str = "credential") -> Source:
    return Source(kind=kind, id=i, name=f"Course {template}", issuer="Acme", issuer_id="acme" if kind == "credential"
                  else None, template_id=template if kind == "credential" else None, state=state, private=private,
                  issued_at=issued_at)


def _profile(*named: tuple[str, Source]) -> skill_rules.Profile:
    return skill_rules.build("e1", [(label, None, src) for label, src in named])


def test_quarters():
    assert rules.quarter("2026-01-01T00:00:00Z") == "2026Q1"
    assert rules.quarter("2026-03-31T23:59:59Z") == "2026Q1"
    assert rules.quarter("2026-04-01T00:00:00Z") == "2026Q2"
    assert rules.quarter("2026-12-01") == "2026Q4"
    assert rules.quarter("") is None and rules.quarter("2026-13-01") is None and rules.quarter("soon") is None


def test_contributions_of_two_skills_from_one_credential():
    counted = rules.counted(_profile(("Python", _src()), ("SQL", _src())), counted_in_insights=True)
    got = rules.contributions(counted)
    assert set(got) == {H(PY), Q(PY, "2026Q1"), CO(PY, SQL), CRED(PY, "acme#t1"),
                        H(SQL), Q(SQL, "2026Q1"), CO(SQL, PY), CRED(SQL, "acme#t1")}
    assert got[CO(PY, SQL)] == {"label": "SQL"}
    assert got[CRED(PY, "acme#t1")] == {"name": "Course t1", "issuer": "Acme"}


def test_only_counted_sources_contribute_and_the_earliest_date_names_the_quarter():
    profile = _profile(("Python", _src("a", issued_at="2026-05-01T00:00:00Z", template="t1")),
                       ("Python", _src("b", issued_at="2025-01-01T00:00:00Z", template="t2", private=True)),
                       ("Python", _src("c", issued_at="2024-01-01T00:00:00Z", template="t3", state="revoked")),
                       ("Python", _src("d", issued_at="2026-04-02T00:00:00Z", template="t4", state="expired")),
                       ("SQL", _src("e", private=True)))
    got = rules.contributions(rules.counted(profile, counted_in_insights=True))
    assert set(got) == {H(PY), Q(PY, "2026Q2"), CRED(PY, "acme#t1"), CRED(PY, "acme#t4")}


def test_an_import_counts_without_a_credential_entry():
    got = rules.contributions(rules.counted(_profile(("Python", _src(kind="import"))), counted_in_insights=True))
    assert set(got) == {H(PY), Q(PY, "2026Q1")}


def test_opted_out_contributes_nothing():
    assert rules.counted(_profile(("Python", _src())), counted_in_insights=False) == {}


def test_at_most_max_counted_skills():
    profile = _profile(*[(f"skill {i}", _src()) for i in range(rules.MAX_COUNTED_SKILLS + 5)])
    assert len(rules.counted(profile, counted_in_insights=True)) == rules.MAX_COUNTED_SKILLS


@given(st.sets(st.sampled_from([H(f"text:k{i}") for i in range(8)])),
       st.sets(st.sampled_from([H(f"text:k{i}") for i in range(8)])))
def test_applying_the_delta_reaches_the_new_set(before, after):
    change = rules.delta(before, {c: {} for c in after})
    assert (set(before) - change.removed) | set(change.added) == set(after)
    assert not (change.removed & set(change.added))
    assert change.empty == (before == after)


def test_nine_holders_show_nothing_ten_show_the_count():
    nine = rules.insight(PY, "Python", [rules.Stat("holders", "", 9), rules.Stat("quarter", "2026Q1", 9)])
    assert nine.holders is None and nine.growth == () and not nine.anything
    ten = rules.insight(PY, "Python", [rules.Stat("holders", "", 10), rules.Stat("quarter", "2026Q1", 10)])
    assert ten.holders == 10 and ten.growth == (("2026Q1", 10),)


def test_each_group_under_ten_is_left_out():
    stats = [rules.Stat("holders", "", 40, {"label": "Python"}), rules.Stat("quarter", "2025Q4", 9), rules.Stat("quarter", "2026Q1", 31),
             rules.Stat("co", SQL, 12, {"label": "SQL"}), rules.Stat("co", "text:r", 3, {"label": "R"}),
             rules.Stat("cred", "acme#t1", 10, {"name": "Course", "issuer": "Acme"}), rules.Stat("cred", "acme#t2", 9),
             rules.Stat("quarter", "2024Q1", 0)]
    got = rules.insight(PY, "python", stats, (("http://data.europa.eu/esco/occupation/x", "Developer"),))
    assert got.label == "Python" and got.holders == 40
    # 2026Q1's 31 alone would give the hidden 2025Q4 away (40 - 31 = 9): it goes too
    assert got.growth == ()
    assert got.co_skills == ((SQL, "SQL", 12),)
    assert got.credentials == (("acme#t1", "Course", "Acme", 10),)
    assert got.hidden_groups == 4
    assert got.occupations == (("http://data.europa.eu/esco/occupation/x", "Developer"),)


def test_no_hidden_quarter_can_be_found_by_subtraction():
    def growth(holders, *quarters):
        stats = [rules.Stat("holders", "", holders, {"label": "Python"})]
        stats += [rules.Stat("quarter", q, n) for q, n in quarters]
        return rules.insight(PY, "python", stats).growth

    assert growth(13, ("2026Q1", 11), ("2026Q2", 2)) == ()  # 13 - 11 = 2 would be named
    assert growth(25, ("2026Q1", 15), ("2026Q2", 10)) == (("2026Q1", 15), ("2026Q2", 10))  # nothing hidden
    # 3 hidden: the smallest shown quarter (10) goes with them, 13 left out is not a group under 10
    assert growth(43, ("2025Q4", 3), ("2026Q1", 10), ("2026Q2", 30)) == (("2026Q2", 30),)
    assert growth(52, ("2025Q4", 12), ("2026Q1", 10), ("2026Q2", 30)) == (
        ("2025Q4", 12), ("2026Q1", 10), ("2026Q2", 30))


def test_co_skills_and_credentials_are_ordered_by_count_and_capped():
    stats = [rules.Stat("holders", "", 500)] + [rules.Stat("co", f"text:s{i}", 10 + i, {"label": f"s{i}"})
                                            for i in range(15)]
    got = rules.insight(PY, "Python", stats)
    assert [c[2] for c in got.co_skills] == list(range(24, 14, -1))
