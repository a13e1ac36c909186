"""Pure earner rules: where a sign-in may lead, how a wallet is arranged, and what
LinkedIn and the share links receive."""

from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import earners, sharing
from chalicelib.domain.errors import BadRequest


@pytest.mark.parametrize("value", ["/wallet", "/wallet/settings", "/wallet?issuer=Acme&kind=badge", "/profiles/abc"])
def test_safe_next_keeps_paths_of_this_site(value):
    assert earners.safe_next(value) == value


@pytest.mark.parametrize("value", ["https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil", "evil.example",
                                   "javascript:alert(1)", "/ok\r\nSet-Cookie: x", "/a b", "/" + "a" * 400, "http:/x"])
def test_safe_next_refuses_anything_else(value):
    with pytest.raises(BadRequest):
        earners.safe_next(value)


@pytest.mark.parametrize("value, sent", [
    ("/\u3002evil.example", "/%E3%80%82evil.example"),  # issue 12, item 5: the ideographic full stop
    ("/\uff0f\uff0fevil.example", "/%EF%BC%8F%EF%BC%8Fevil.example"),  # fullwidth solidus: a path, never a host
    ("/wallet?issuer=Universit\u00e4t", "/wallet?issuer=Universit%C3%A4t"),  # a filter value with an umlaut
    ("/wallet?issuer=Universit%C3%A4t", "/wallet?issuer=Universit%C3%A4t"),  # already encoded: unchanged
    ("/wallet?a=<b>&c=\"d\"", "/wallet?a=%3Cb%3E&c=%22d%22"),
])
def test_safe_next_percent_encodes_what_a_location_header_cannot_carry(value, sent):
    assert earners.safe_next(value) == sent


@given(st.text(max_size=60))
def test_whatever_safe_next_accepts_stays_on_this_origin(value):
    try:
        out = earners.safe_next(value)
    except BadRequest:
        return
    parts = urlsplit(out)
    assert out.startswith("/") and not out.startswith("//") and not parts.netloc and not parts.scheme
    assert "\\" not in out and all(ord(c) > 0x20 for c in out)
    # fit for a Location header (ASCII, no spaces or quotes), and stable when checked again
    assert out.isascii() and not set(out) & set(' "<>`{}|^') and earners.safe_next(out) == out


def test_wallet_puts_pending_first_and_filters_from_the_whole_wallet():
    entries = [
        {"id": "1", "state": "valid", "issuer": "Acme", "kind": "badge", "skills": ["SQL"], "issued_at": "2026-01-01"},
        {"id": "2", "state": "pending", "issuer": "Beta", "kind": "certification", "skills": ["Go"],
         "issued_at": "2025-01-01"},
        {"id": "3", "state": "expired", "issuer": "Acme", "kind": "certification", "skills": ["SQL", "Go"],
         "issued_at": "2026-06-01"},
    ]
    w = earners.arrange(entries, earners.Filters())
    assert [e["id"] for e in w.pending] == ["2"] and [e["id"] for e in w.held] == ["3", "1"]
    assert w.issuers == ["Acme", "Beta"] and w.skills == ["Go", "SQL"]
    w = earners.arrange(entries, earners.Filters(skill="Go", issuer="Acme"))
    assert [e["id"] for e in w.held] == ["3"] and w.pending == [] and w.issuers == ["Acme", "Beta"]


def _shareable(**kw):
    base = dict(credential_id="abc-123", badge_name="Cloud & Data", issuer_name="Acme Academy",
                issued_at=datetime(2026, 3, 9, tzinfo=timezone.utc), expires_at=datetime(2028, 11, 30, tzinfo=timezone.utc),
                url="https://laurel.example/badges/abc-123", image_url="https://assets.example/b.png")
    base.update(kw)
    return sharing.Shareable(**base)


def test_linkedin_add_to_profile_url_has_every_field():
    url = sharing.linkedin_add_url(_shareable(linkedin_organization_id="1337"))
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.linkedin.com/profile/add"
    assert parse_qsl(parts.query) == [
        ("startTask", "CERTIFICATION_NAME"), ("name", "Cloud & Data"), ("organizationId", "1337"),
        ("issueYear", "2026"), ("issueMonth", "3"), ("expirationYear", "2028"), ("expirationMonth", "11"),
        ("certUrl", "https://laurel.example/badges/abc-123"), ("certId", "abc-123")]


def test_linkedin_without_organization_id_or_expiry():
    q = dict(parse_qsl(urlsplit(sharing.linkedin_add_url(_shareable(expires_at=None))).query))
    assert q["organizationName"] == "Acme Academy" and "organizationId" not in q
    assert "expirationYear" not in q and "expirationMonth" not in q


def test_share_links_and_snippets_escape_what_issuers_wrote():
    s = _shareable(badge_name='<script>alert("x")</script>', issuer_name="A&B")
    links = dict(sharing.share_links(s))
    assert set(links) == {"LinkedIn", "Facebook", "X", "WhatsApp", "XING", "ZipRecruiter", "Email"}
    assert links.pop("ZipRecruiter") == sharing.ZIPRECRUITER_PROFILE  # no share dialog: carries nothing written
    assert all((u.startswith("https://") or u.startswith("mailto:?")) and "%3Cscript%3E" in u or "laurel.example" in u
               for u in links.values())
    assert "<script>" not in links["Email"] and "%3Fref%3Demail" in links["Email"]
    embed = sharing.embed_snippet(s)
    assert "<script>" not in embed and "&lt;script&gt;" in embed and "A&amp;B" in embed
    assert embed.startswith('<a href="https://laurel.example/badges/abc-123?ref=embed"') and "<iframe" not in embed
    assert 'src="https://laurel.example/badges/abc-123/image?ref=embed"' in embed
    assert 'src="https://laurel.example/badges/abc-123/image?ref=signature"' in sharing.signature_snippet(s)
    assert "<script>" not in sharing.signature_snippet(s)
