"""The dashboard's figures from per-day counters (issue 15 item 2): ISO weeks across a
year's end, empty ranges, the pending level of the contract's formula, the median time
to accept from the merged histogram, networks, top templates and skills, and the
operator view's hiding of groups smaller than 5."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import dashboard as d
from chalicelib.domain.engagement import bucket_seconds, latency_bucket
from chalicelib.domain.errors import BadRequest

DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


# ------------------------------------------------------------------ weeks


def test_weeks_across_a_year_end_are_iso_weeks_cut_to_the_range():
    # 2025-12-29 (a Monday) starts ISO week 2026-W01; 2025-12-28 (Sunday) ends 2025-W52.
    found = d.weeks(date(2025, 12, 24), date(2026, 1, 6))
    assert [(w.label, w.first, w.last) for w in found] == [
        ("2025-W52", date(2025, 12, 24), date(2025, 12, 28)),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4)),
        ("2026-W02", date(2026, 1, 5), date(2026, 1, 6)),
    ]
    # 2020 has 53 ISO weeks: 2020-12-31 is in 2020-W53, 2021-01-03 too.
    assert [w.label for w in d.weeks(date(2020, 12, 31), date(2021, 1, 4))] == ["2020-W53", "2021-W01"]


@given(DAYS, st.integers(min_value=0, max_value=400))
def test_weeks_cover_every_day_of_the_range_once(start, length):
    end = start + timedelta(days=length)
    found = d.weeks(start, end)
    covered = [w.first + timedelta(days=i) for w in found for i in range((w.last - w.first).days + 1)]
    assert covered == [start + timedelta(days=i) for i in range(length + 1)]
    for w in found:
        assert w.first.isocalendar()[:2] == w.last.isocalendar()[:2]  # never spans two ISO weeks
        year, number, _ = w.first.isocalendar()
        assert w.label == f"{year}-W{number:02d}"


def test_a_day_with_counters_lands_in_its_iso_week_even_across_the_year_end():
    days = [(date(2025, 12, 28), {"issued": 2}), (date(2025, 12, 29), {"issued": 3, "accepted": 1}),
            (date(2026, 1, 4), {"issued": 4, "view.person": 7, "view.crawler": 2})]
    board = d.compute(date(2025, 12, 22), date(2026, 1, 4), days)
    assert [(w.week.label, w.issued, w.accepted, w.views_person, w.views_crawler) for w in board.weeks] == [
        ("2025-W52", 2, 0, 0, 0), ("2026-W01", 7, 1, 7, 2)]


def test_an_empty_range_has_zero_weeks_figures_and_no_median():
    board = d.compute(date(2026, 3, 2), date(2026, 3, 15), [], totals={})
    assert [(w.week.label, w.issued, w.pending) for w in board.weeks] == [("2026-W10", 0, 0), ("2026-W11", 0, 0)]
    assert board.funnel == {"issued": 0, "accepted": 0, "rejected": 0, "pending": 0}
    assert board.median_accept_seconds is None and board.accept_rate is None
    assert board.top_templates_issued == [] and board.top_skills == []
    assert set(board.views_by_network.values()) == {0}


def test_days_outside_the_range_do_not_count():
    days = [(date(2026, 3, 1), {"issued": 100}), (date(2026, 3, 2), {"issued": 1}),
            (date(2026, 3, 16), {"issued": 50})]
    board = d.compute(date(2026, 3, 2), date(2026, 3, 15), days)
    assert board.funnel["issued"] == 1


# ------------------------------------------------------------------ pending level


def test_pending_level_follows_the_contracts_formula():
    # totals: 10 issued, 4 left pending => 6 pending now. Day 3-12 issued 3 and 1 left pending:
    # at the end of 3-11 the level was 6 - (3 - 1) = 4; at the end of 3-12 and later, 6.
    days = [(date(2026, 3, 10), {"issued": 7, "pending_out": 3}), (date(2026, 3, 12), {"issued": 3, "pending_out": 1})]
    totals = {"issued": 10, "pending_out": 4}
    assert d.pending_level(days, totals, date(2026, 3, 11)) == 4
    assert d.pending_level(days, totals, date(2026, 3, 12)) == 6
    assert d.pending_level(days, totals, date(2026, 3, 9)) == 0  # 6 - (10 - 4)
    board = d.compute(date(2026, 3, 9), date(2026, 3, 15), days, totals)
    assert [w.pending for w in board.weeks] == [6] and board.funnel["pending"] == 6
    assert d.compute(date(2026, 3, 2), date(2026, 3, 11), days, totals).funnel["pending"] == 4


def test_without_totals_the_pending_level_is_unknown():
    board = d.compute(date(2026, 3, 9), date(2026, 3, 15), [(date(2026, 3, 10), {"issued": 7})])
    assert [w.pending for w in board.weeks] == [None] and board.funnel["pending"] is None


# ------------------------------------------------------------------ median time to accept


def test_median_of_a_hand_made_histogram():
    one_hour, one_day = latency_bucket(3600), latency_bucket(86400)
    # 1 accept after ~1 h, 2 after ~1 day: the median (2nd of 3) is ~1 day
    assert d.median_seconds({one_hour: 1, one_day: 2}) == bucket_seconds(one_day)
    # 2 and 2: the lower median (2nd of 4) is ~1 h
    assert d.median_seconds({one_hour: 2, one_day: 2}) == bucket_seconds(one_hour)
    assert d.median_seconds({}) is None


@given(st.lists(st.integers(min_value=1, max_value=90 * 86400), min_size=1, max_size=200))
def test_median_from_the_merged_histogram_is_the_median_of_the_buckets(seconds):
    # two days' histograms (the counters' shape), merged by compute()
    half = len(seconds) // 2
    day_counters = []
    for part in (seconds[:half], seconds[half:]):
        counters: dict[str, int] = {}
        for s in part:
            key = f"accept_s.{latency_bucket(s)}"
            counters[key] = counters.get(key, 0) + 1
        day_counters.append(counters)
    board = d.compute(date(2026, 1, 1), date(2026, 1, 2), [(date(2026, 1, 1), day_counters[0]),
                                                           (date(2026, 1, 2), day_counters[1])])
    expected = statistics.median_low(sorted(bucket_seconds(latency_bucket(s)) for s in seconds))
    assert board.median_accept_seconds == expected
    assert board.accepts_measured == len(seconds)
    # and the bucket is within ~5 % of the true lower median
    true = statistics.median_low(seconds)
    assert abs(board.median_accept_seconds - true) <= 0.06 * true + 1


def test_duration_words():
    assert d.duration_words(None) == "—"
    assert d.duration_words(30) == "30 seconds"
    assert d.duration_words(3600) == "1 hour"
    assert d.duration_words(86400 * 2.5) == "2.5 days"


# ------------------------------------------------------------------ networks, templates, skills


def test_views_shares_top_templates_and_skills():
    days = [(date(2026, 3, 2), {"view.person": 9, "view.crawler": 4, "ref.linkedin": 5, "ref.email": 3,
                                "ref.direct": 1, "share.linkedin": 2, "share.x": 1, "linkedin_add": 2,
                                "skill.Python": 3, "skill.SQL": 1, "accepted": 3, "rejected": 1})]
    template_days = [(date(2026, 3, 2), "t1", {"issued": 2, "view.person": 8}),
                     (date(2026, 3, 3), "t2", {"issued": 5, "view.person": 1}),
                     (date(2026, 3, 4), "t1", {"issued": 1}),
                     (date(2026, 2, 1), "t3", {"issued": 99, "view.person": 99})]  # outside the range
    board = d.compute(date(2026, 3, 2), date(2026, 3, 8), days, {}, template_days, {"t1": "Python", "t2": "SQL"})
    assert board.views == {"person": 9, "crawler": 4}
    assert board.views_by_network["linkedin"] == 5 and board.views_by_network["email"] == 3
    assert list(board.views_by_network) == ["linkedin", "facebook", "x", "whatsapp", "xing", "ziprecruiter",
                                            "email", "embed", "other", "direct"]
    assert board.shares_by_network == {"linkedin": 2, "facebook": 0, "x": 1, "whatsapp": 0, "xing": 0,
                                       "ziprecruiter": 0, "email": 0}
    assert board.linkedin_add == 2
    assert [(r.key, r.name, r.count) for r in board.top_templates_issued] == [("t2", "SQL", 5), ("t1", "Python", 3)]
    assert [(r.key, r.count) for r in board.top_templates_viewed] == [("t1", 8), ("t2", 1)]
    assert [(r.name, r.count) for r in board.top_skills] == [("Python", 3), ("SQL", 1)]
    assert board.accept_rate == 75.0


# ------------------------------------------------------------------ range and hiding


def test_the_range_defaults_to_the_last_90_days_and_is_capped():
    today = date(2026, 12, 1)
    assert d.date_range(None, None, today) == (date(2026, 9, 3), today)
    assert d.date_range(date(2026, 1, 1), date(2027, 1, 1), today) == (date(2026, 1, 1), date(2027, 1, 1))  # 366 days
    with pytest.raises(BadRequest, match="longer than 366 days"):
        d.date_range(date(2026, 1, 1), date(2027, 1, 2), today)
    with pytest.raises(BadRequest, match="starts after it ends"):
        d.date_range(date(2026, 3, 2), date(2026, 3, 1), today)


@given(st.integers(min_value=0, max_value=10**9))
def test_a_group_of_1_to_4_is_hidden(count):
    assert d.hidden(count) == (None if 1 <= count <= 4 else count)


def test_hidden_cells_cannot_be_worked_out_from_the_total():
    # 3 alone hidden: total 25 - 10 - 12 would give it away, so the smallest shown cell goes too
    assert d.hide_group([10, 3, 12]) == [None, None, 12]
    assert d.hide_group([0, 7, 5]) == [0, 7, 5]
    assert d.hide_group([1, 2]) == [None, None]
    assert d.hide_group([2, 4, 9]) == [None, None, 9]  # 2 + 4 = 6: enough


@given(st.lists(st.integers(min_value=0, max_value=40), max_size=12))
def test_hide_group_never_shows_a_small_group_or_a_small_remainder(values):
    shown = d.hide_group(values)
    assert all(s is None or s == v for s, v in zip(shown, values, strict=True))
    assert not any(s is not None and 1 <= s <= 4 for s in shown)
    remainder = sum(v for s, v in zip(shown, values, strict=True) if s is None)
    # a remainder of 1 to 4 only when every cell is hidden (then the total is that small and hidden too)
    assert remainder == 0 or remainder >= 5 or all(s is None for s in shown)
    assert d.hidden(sum(values)) is None or remainder == 0 or remainder >= 5


def test_the_operator_view_hides_small_groups_and_names_no_template():
    days = [(date(2026, 3, 2), {"issued": 40, "accepted": 30, "rejected": 3, "view.person": 50, "view.crawler": 3,
                                "ref.linkedin": 44, "ref.email": 3, "ref.direct": 3, "share.x": 3,
                                "share.linkedin": 9, "linkedin_add": 2, "skill.Rare": 3, "skill.Python": 12,
                                "accept_s.100": 3}),
            (date(2026, 3, 9), {"issued": 2, "accepted": 8})]
    board = d.for_operators(d.compute(date(2026, 3, 2), date(2026, 3, 15), days, None,
                                      [(date(2026, 3, 2), "t1", {"issued": 40})], {"t1": "Acme secret"}))
    assert [(w.issued, w.accepted, w.rejected, w.views_crawler, w.pending) for w in board.weeks] == [
        (None, 30, None, None, None), (None, 8, 0, 0, None)]  # 2 hidden, and 40 with it (42 - 40 = 2)
    assert board.funnel == {"issued": 42, "accepted": 38, "rejected": None}
    assert board.accept_rate is None  # 38 / (38 + 3) would give the 3 away
    assert board.median_accept_seconds is None and board.accepts_measured is None  # 3 acceptances measured
    assert board.views_by_network["linkedin"] == 44 and board.views_by_network["email"] is None
    assert board.views_by_network["direct"] is None
    # share.x (3) is hidden, and share.linkedin (9), the smallest shown, with it: 3 alone is under 5
    assert board.shares_by_network["x"] is None and board.shares_by_network["linkedin"] is None
    assert board.linkedin_add is None
    assert board.top_templates_issued == [] and board.top_templates_viewed == []
    assert [r.name for r in board.top_skills] == ["Python"]


@pytest.mark.parametrize("text", ["2026-3-1", "20260301", "2026-02-30", "yesterday", "2026-03-01T00:00"])
def test_a_day_not_written_yyyy_mm_dd_is_refused(text):
    with pytest.raises(BadRequest, match="from must be a day written YYYY-MM-DD"):
        d.parse_range(text, None, date(2026, 12, 1))


def test_parse_range_reads_both_ends():
    assert d.parse_range("2026-03-01", "2026-03-31", date(2026, 12, 1)) == (date(2026, 3, 1), date(2026, 3, 31))
    assert d.parse_range(None, "2026-03-31", date(2026, 12, 1)) == (date(2026, 1, 1), date(2026, 3, 31))
