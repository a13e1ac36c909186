"""The public verification page and its JSON: one GetItem, cacheable, no personal email."""

import pytest

from tests.aws_calls import recording
from tests.conftest import body, sent_mail
from tests.helpers import active_template, claim_token_from, issue, new_issuer, post


@pytest.fixture()
def accepted(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    cred = body(issue(client, key, tpl, evidence=[{"url": "https://lms.example/p/1", "name": "Project"}]))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
    return cred


def test_page_shows_what_a_verifier_needs_and_never_the_email(client, accepted):
    res = client.http.get(f"/badges/{accepted['id']}")
    assert res.status_code == 200
    html = res.body.decode()
    for text in ["Data Steward", "Acme Academy", "Grace Hopper", "Data quality", "Governance", "Valid",
                 "https://lms.example/p/1", accepted["issued_at"][:10], accepted["expires_at"][:10]]:
        assert text in html, text
    assert "grace@example.com" not in html
    assert 'src="https://assets.laurel.test/assets/templates/' in html


def test_json_by_accept_header_or_suffix(client, accepted):
    a = client.http.get(f"/badges/{accepted['id']}", headers={"Accept": "application/json"})
    b = client.http.get(f"/badges/{accepted['id']}.json")
    assert a.status_code == b.status_code == 200
    assert body(a) == body(b)
    data = body(a)
    assert data["status"] == "valid" and data["recipient"] == {"name": "Grace Hopper"}
    assert "email" not in repr(data["recipient"]) and "grace@" not in a.body.decode()
    assert data["badge"]["image_url"].startswith("https://assets.laurel.test/")


def test_caching_headers_and_conditional_get(client, accepted):
    res = client.http.get(f"/badges/{accepted['id']}")
    assert res.headers["Cache-Control"].startswith("public, max-age=")
    etag = res.headers["ETag"]
    again = client.http.get(f"/badges/{accepted['id']}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.body in (b"", "")
    csp = res.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "'unsafe-inline'" not in csp


def test_one_dynamodb_read_and_nothing_else(client, accepted):
    for path, headers in [(f"/badges/{accepted['id']}", {}), (f"/badges/{accepted['id']}.json", {})]:
        with recording() as calls:
            assert client.http.get(path, headers=headers).status_code == 200
        assert calls == ["dynamodb.GetItem"], calls


def test_unknown_malformed_and_pending_ids_answer_404(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    pending = body(issue(client, key, tpl))["id"]
    for cid in [pending, "nope", pending[:-1] + "a", "0123456789abcdef-" + "a" * 32]:
        res = client.http.get(f"/badges/{cid}")
        assert res.status_code == 404, cid
        assert b"Credential not found" in res.body
    assert body(client.http.get("/badges/nope.json"))["error"]["code"] == "credential_not_found"


def test_issuer_text_is_escaped_on_the_page(client):
    _, key = new_issuer()
    tpl = active_template(client, key, name="<script>alert(1)</script>", description='"><img src=x onerror=alert(1)>')
    cred = body(issue(client, key, tpl, first_name="<b>Eve</b>"))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    claim_page = client.http.get(f"/claim/{cred['id']}?token={token}").body.decode()
    post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
    page = client.http.get(f"/badges/{cred['id']}").body.decode()
    for html in (page, claim_page, sent_mail()[-1]["body"]):
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html
        assert "<b>Eve</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_verification_page_has_open_graph_tags(client, accepted):
    html = client.http.get(f"/badges/{accepted['id']}").body.decode()
    assert f'<meta property="og:url" content="https://laurel.test/badges/{accepted["id"]}">' in html
    # issue 19: the share card of the state now, and a title naming the earner and the credential
    assert f'<meta property="og:image" content="https://laurel.test/badges/{accepted["id"]}/card.png?lang=en">' in html
    assert 'og:title" content="Grace Hopper earned Data Steward"' in html


def test_every_page_names_an_icon_that_is_served(client, accepted):
    """Without an icon of their own, browsers asked every page's origin for
    /favicon.ico and got a 403 (one console error per page in the browser tests)."""
    for path in (f"/badges/{accepted['id']}", "/signin", "/console/signin"):
        page = client.http.get(path, headers={"Accept": "text/html"})
        assert '<link rel="icon" href="/favicon.svg" type="image/svg+xml">' in page.body.decode(), path
    icon = client.http.get("/favicon.svg", headers={"Accept": "image/avif,image/webp,image/svg+xml,*/*;q=0.8"})
    assert icon.status_code == 200, icon.body
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/svg+xml"
    assert icon.body.startswith(b"<svg") and b"script" not in icon.body
    assert icon.headers["Cache-Control"].startswith("public, max-age=")
    # where browsers look on their own (an image opened by itself names no icon)
    fallback = client.http.get("/favicon.ico", headers={"Accept": "image/avif,image/webp,image/svg+xml,*/*;q=0.8"})
    assert fallback.status_code == 200 and fallback.body == icon.body
