"""Which representation a credential's page URL answers with (chalicelib/openbadges/media.py)."""

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.openbadges import media
from chalicelib.openbadges.media import HTML, JSON, JSON_OFFERS, LD_JSON, PAGE_OFFERS, VC_JWT, VC_LD_JSON, preferred

CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def test_browsers_get_the_page_and_verifiers_the_document():
    assert preferred(CHROME, PAGE_OFFERS) == HTML
    assert preferred(None, PAGE_OFFERS) == HTML and preferred("", PAGE_OFFERS) == HTML
    assert preferred(media.VERIFIER_ACCEPT, PAGE_OFFERS) == LD_JSON
    assert preferred(media.VERIFIER_ACCEPT, JSON_OFFERS) == LD_JSON
    assert preferred("application/vc+ld+json", PAGE_OFFERS) == VC_LD_JSON
    assert preferred("application/vc+jwt", PAGE_OFFERS) == VC_JWT


def test_json_alone_keeps_the_summary():
    assert preferred("application/json", PAGE_OFFERS) == JSON
    assert preferred("application/json, text/plain, */*", PAGE_OFFERS) == JSON  # exact beats the wildcard
    assert preferred(None, JSON_OFFERS) == JSON and preferred("*/*", JSON_OFFERS) == JSON


def test_quality_values_rank_and_zero_refuses():
    assert preferred("text/html;q=0.5, application/ld+json", PAGE_OFFERS) == LD_JSON
    assert preferred("text/html;q=0, */*", PAGE_OFFERS) == LD_JSON
    assert preferred("application/*;q=0.9, text/html;q=0.1", PAGE_OFFERS) == LD_JSON
    assert preferred("image/png", PAGE_OFFERS) == HTML  # nothing acceptable: the header is disregarded
    assert preferred("text/html;q=nonsense, application/json", PAGE_OFFERS) == JSON


@given(st.text(max_size=200))
def test_any_header_picks_one_of_the_offers(accept):
    assert preferred(accept, PAGE_OFFERS) in PAGE_OFFERS
    assert preferred(accept, JSON_OFFERS) in JSON_OFFERS
