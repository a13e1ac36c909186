"""Analytics maths: outcomes, median, rates, top skills (pure functions)."""

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import analytics as a

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def facts(status="pending", created=NOW - timedelta(days=10), accepted_after=None, expires_in=None, skills=(),
          template="t1"):
    return a.Facts(template_id=template, status=status, created_at=created,
                   accepted_at=created + accepted_after if accepted_after is not None else None,
                   expires_at=NOW + expires_in if expires_in is not None else None, skills=tuple(skills))


def test_outcomes_follow_the_verifiers_display_status():
    assert a.outcome(facts("pending"), NOW) == "pending"
    assert a.outcome(facts("accepted", accepted_after=timedelta(hours=1)), NOW) == "accepted"
    assert a.outcome(facts("accepted", expires_in=timedelta(0)), NOW) == "expired"  # expires_at <= now
    assert a.outcome(facts("pending", expires_in=-timedelta(days=1)), NOW) == "expired"
    assert a.outcome(facts("revoked", expires_in=-timedelta(days=1)), NOW) == "revoked"  # revoked wins
    assert a.outcome(facts("rejected", expires_in=-timedelta(days=1)), NOW) == "rejected"
    assert a.outcome(facts("accepted", expires_in=timedelta(seconds=1)), NOW) == "accepted"


def test_median():
    assert a.median([]) is None
    assert a.median([5]) == 5
    assert a.median([3, 1, 2]) == 2
    assert a.median([4, 1, 3, 2]) == 2.5


def test_rate():
    assert a.rate(0, 0) is None
    assert a.rate(1, 3) == 0.3333
    assert a.rate(2, 2) == 1.0


def test_top_skills_count_once_per_credential_and_ignore_case():
    ranked = a.top_skills([["SQL", "Python"], ["python", "sql ", "Python"], ["Go"], ["Python"]])
    assert ranked == [{"skill": "Python", "count": 3}, {"skill": "SQL", "count": 2}, {"skill": "Go", "count": 1}]
    assert a.top_skills([[f"s{i:02d}"] for i in range(30)], limit=3) == [
        {"skill": "s00", "count": 1}, {"skill": "s01", "count": 1}, {"skill": "s02", "count": 1}]
    assert a.top_skills([["", "  "], [None]]) == []


def test_summary_of_a_mixed_template():
    rows = [
        facts("accepted", accepted_after=timedelta(hours=2), skills=["SQL"]),
        facts("accepted", accepted_after=timedelta(hours=10), skills=["SQL"]),
        facts("revoked", accepted_after=timedelta(hours=4), skills=["SQL"]),  # accepted, later revoked
        facts("accepted", accepted_after=timedelta(hours=1), expires_in=-timedelta(days=1)),  # now expired
        facts("rejected"),
        facts("pending"),
    ]
    s = a.summarize(rows, NOW)
    assert (s["issued"], s["pending"], s["accepted"], s["rejected"], s["revoked"], s["expired"]) == (6, 1, 2, 1, 1, 1)
    assert s["ever_accepted"] == 4
    assert s["acceptance_rate"] == round(4 / 6, 4)
    assert s["median_hours_to_accept"] == 3.0  # of 1, 2, 4, 10
    assert s["top_skills"] == [{"skill": "SQL", "count": 3}]


def test_empty_summary():
    s = a.summarize([], NOW)
    assert s["issued"] == 0 and s["acceptance_rate"] is None and s["median_hours_to_accept"] is None
    assert s["top_skills"] == []


def test_acceptance_before_creation_counts_as_zero_hours():
    assert a.hours_to_accept(facts("accepted", accepted_after=-timedelta(minutes=3))) == 0.0


statuses = st.sampled_from(["pending", "accepted", "rejected", "revoked"])
rows = st.lists(st.builds(
    lambda status, tpl, acc, exp: facts(status, accepted_after=acc if status in ("accepted", "revoked") else None,
                                        expires_in=exp, template=tpl),
    statuses, st.sampled_from(["t1", "t2", "t3"]),
    st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
    st.none() | st.timedeltas(min_value=-timedelta(days=60), max_value=timedelta(days=60)),
), max_size=40)


@given(rows)
def test_outcomes_partition_what_was_issued(rows):
    s = a.summarize(rows, NOW)
    assert s["issued"] == len(rows) == sum(s[o] for o in a.OUTCOMES)
    assert s["ever_accepted"] <= s["issued"]
    if s["issued"]:
        assert 0 <= s["acceptance_rate"] <= 1
    per = a.by_template(rows, NOW)
    assert sum(t["issued"] for t in per.values()) == len(rows)
    for o in a.OUTCOMES:
        assert sum(t[o] for t in per.values()) == s[o]
