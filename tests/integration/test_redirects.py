"""Redirects carry only what an HTTP header can: a `Location` built from user input is
percent-encoded ASCII (issue 12, item 5). The real HTTP server's side of it (raw Unicode
in `Location` cannot be sent at all; the encoded header is) is in
tests/integration/test_local_system.py."""

from __future__ import annotations

from tests.helpers import Browser, sign_in


def test_non_ascii_next_is_percent_encoded_after_sign_in(client):
    browser = Browser(client)
    res = sign_in(browser, "ada@example.com", next_path="/\u3002evil.example")
    assert res.headers["Location"] == "/%E3%80%82evil.example"
    # signed in, the sign-in page sends the visitor on at once, encoded the same way
    res = browser.get("/signin?next=/%E3%80%82evil.example")
    assert (res.status_code, res.headers["Location"]) == (303, "/%E3%80%82evil.example")


def test_a_filter_with_an_umlaut_survives_the_round_trip_through_sign_in(client):
    browser = Browser(client)
    res = browser.get("/wallet?issuer=Universit%C3%A4t")  # not signed in: off to sign in, and back
    assert res.status_code == 303 and res.headers["Location"].isascii()
    next_path = res.headers["Location"].split("next=", 1)[1]
    from urllib.parse import unquote

    res = sign_in(browser, "ada@example.com", next_path=unquote(next_path))
    assert res.headers["Location"] == "/wallet?issuer=Universit%C3%A4t"
    page = browser.get(res.headers["Location"])
    assert page.status_code == 200


def test_location_header_helper_keeps_printable_ascii_and_encodes_the_rest():
    from hypothesis import given
    from hypothesis import strategies as st

    from chalicelib import http

    assert http.location("/\u3002evil.example?a=%C3%A4&b=\u00e4 c") == "/%E3%80%82evil.example?a=%C3%A4&b=%C3%A4%20c"
    assert http.location("https://laurel.test/imports/abc?x=1#y") == "https://laurel.test/imports/abc?x=1#y"

    @given(st.text(max_size=40))
    def header_safe(value):
        out = http.location(value)
        assert out.isascii() and all(0x21 <= ord(c) < 0x7F for c in out)
        assert http.location(out) == out

    header_safe()
