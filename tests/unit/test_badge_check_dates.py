"""Validity dates in the verifier (issue 18, rule 1): a DateTime needs a time and a time zone,
for Open Badges 2.0 (issuedOn/expires) and Open Badges 3.0 / VC 2.0 (validFrom/validUntil,
an xsd:dateTimeStamp) alike."""

from __future__ import annotations

import pytest

from chalicelib.services.badge_check.fetching import dates
from chalicelib.services.badge_check.report import Failed, Report


@pytest.mark.parametrize("start, end", [
    ("2025-01-01T00:00:00Z", "2999-01-01T00:00:00Z"),
    ("2025-01-01T09:30:00+09:30", "2999-01-01T00:00:00.123456-05:00"),
    ("2025-01-01T09:30+0200", None),
    ("2025-01-01T09:30:00+02", None),
])
def test_dates_with_a_time_zone_are_read(start, end):
    report = Report()
    dates(report, start, end)
    assert [c["check"] for c in report.checks] == ["expiry"] and report.checks[0]["ok"], report.checks


@pytest.mark.parametrize("start, end", [
    ("2025-01-01T00:00:00", None),  # a VC 2.0 validFrom without its time zone
    ("2025-01-01T00:00:00Z", "2999-01-01T00:00:00"),
    ("2025-01-01", None),  # no time
    (1735689600, None),  # Unix timestamps: OB 1.x only
    ("2025-13-01T00:00:00Z", None),  # not a real date
    ("yesterday", None),
])
def test_dates_without_a_time_zone_or_time_fail_the_dates_check(start, end):
    report = Report()
    with pytest.raises(Failed):
        dates(report, start, end)
    assert report.checks[-1]["check"] == "dates" and not report.checks[-1]["ok"], report.checks
