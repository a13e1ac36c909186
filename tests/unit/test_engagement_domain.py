"""The engagement vocabulary (domain/engagement.py): classification, the time-to-accept
histogram, event lines and what each event counts where."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import engagement as e

T, C = "0123456789abcdef", "0123456789abcdef-" + "a" * 32


def event(kind: str, **kw) -> e.Event:
    return e.Event(id="ev1", kind=kind, tenant_id=T, template_id="tpl1", credential_id=C, day="2026-12-01", **kw)


@given(st.floats(min_value=1, max_value=10 ** 9, allow_nan=False))
def test_a_bucket_holds_its_duration_within_five_percent(seconds):
    b = e.latency_bucket(seconds)
    assert 1.05 ** (b - 1) <= seconds * (1 + 1e-9) and seconds < 1.05 ** b * (1 + 1e-9)
    assert abs(e.bucket_seconds(b) - seconds) / seconds < 0.051


def test_buckets_are_ordered_and_sub_second_is_bucket_zero():
    assert e.latency_bucket(0) == e.latency_bucket(0.9) == 0
    assert e.latency_bucket(60) < e.latency_bucket(3600) < e.latency_bucket(86400)


def test_link_preview_fetchers_are_crawlers_and_browsers_are_people():
    for ua in ("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
               "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "Twitterbot/1.0",
               "WhatsApp/2.23.20.0 A", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "", None):
        assert e.agent_class(ua) == "crawler", ua
    assert e.agent_class("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                         "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1") == "person"


def test_referring_network():
    assert e.referring_network("whatsapp", "https://www.linkedin.com/") == "whatsapp"
    assert e.referring_network("<script>", None) == "other"
    assert e.referring_network(None, "https://lnkd.in/abc") == "linkedin"
    assert e.referring_network(None, "https://evil-linkedin.com/") == "other"  # not a subdomain
    assert e.referring_network(None, "http://[::1") == "other"  # unparseable
    assert e.referring_network(None, "https://laurel.test/wallet", "laurel.test") == "direct"
    assert e.referring_network(None, None) == "direct"


def test_an_event_line_reads_back_and_malformed_lines_are_ignored():
    ev = event("issued", skills=("Data quality",))
    assert e.from_line(ev.line()) == ev
    for bad in ({**ev.line(), "laurel_engagement": 2}, {**ev.line(), "kind": "bogus"},
                {**ev.line(), "tenant_id": "a#b"}, {**ev.line(), "day": "yesterday"},
                {**ev.line(), "latency_s": -1}, {**ev.line(), "skills": "x"}, {"message": "hi"}, []):
        assert e.from_line(bad) is None, bad


def test_what_each_event_counts_where():
    levels = lambda ev: {s.level: c for s, c in e.contributions(ev)}  # noqa: E731
    person = levels(event("view", agent="person", network="linkedin"))
    assert person["credential"] == person["tenant_day"] == {"view.person": 1, "ref.linkedin": 1}
    assert levels(event("view", agent="crawler", network="linkedin"))["credential"] == {"view.crawler": 1}
    issued = levels(event("issued", skills=("Go",)))
    assert "credential" not in issued and issued["tenant_day"] == issued["platform_day"] == {"issued": 1, "skill.Go": 1}
    assert issued["template_day"] == issued["tenant_total"] == {"issued": 1}
    accepted = levels(event("accepted", from_status="pending", latency_s=3600))["tenant_day"]
    assert accepted == {"accepted": 1, "pending_out": 1, f"accept_s.{e.latency_bucket(3600)}": 1}
    assert levels(event("revoked", from_status="accepted"))["tenant_day"] == {"revoked": 1}
    assert e.contributions(event("share", network="myspace")) == []
    platform = next(s for s, _ in e.contributions(event("download")) if s.level == "platform_day")
    assert platform.tenant_id == "" and platform.credential_id == ""  # no tenant in the platform's items
