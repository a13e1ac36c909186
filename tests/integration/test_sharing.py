"""Issue 19, items 1-3: previews that follow the credential's state (Open Graph and
Twitter tags, a 1200x630 share card cached in S3 per state), sharing (e-mail,
ZipRecruiter, copy fields, the page after accepting, LinkedIn from the issuer's
current profile), embeds (the card snippet, oEmbed, a signature of several
credentials) and the one publicity rule on every new path."""

from __future__ import annotations

import html as html_mod
import io
import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from chalicelib.services.clock import utcnow
from tests.conftest import body, list_bucket, sent_mail
from tests.helpers import (
    Browser,
    active_template,
    claim_token_from,
    csrf_of,
    issue,
    new_issuer,
    post,
    sign_in,
)

BASE = "https://laurel.test"


def _meta(page: str) -> dict[str, str]:
    """Every <meta property|name=... content=...> of a page, unescaped."""
    found = {}
    for m in re.finditer(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', page):
        found[m.group(1)] = html_mod.unescape(m.group(2))
    return found


def _accepted(client, key, tpl, email="grace@example.com", **extra) -> dict:
    cred = body(issue(client, key, tpl, email=email, **extra))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    res = post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
    assert res.status_code == 200, res.body
    return cred


@pytest.fixture()
def issuer(client):
    tenant, key = new_issuer()
    return tenant, key, active_template(client, key)


def _page(client, cid: str, lang: str | None = None) -> str:
    res = client.http.get(f"/badges/{cid}" + (f"?lang={lang}" if lang else ""), headers={"Accept": "text/html"})
    assert res.status_code == 200, res.body
    return res.body.decode()


def _card_key(client, cid: str, lang: str | None = None) -> str:
    """Follow the og:image route to the S3 object it names."""
    res = client.http.get(f"/badges/{cid}/card.png" + (f"?lang={lang}" if lang else ""))
    assert res.status_code == 302, res.body
    from chalicelib.adapters.objects import key_of_public_url

    key = key_of_public_url(res.headers["Location"])
    assert key, res.headers["Location"]
    return key


def _png(key: str):
    import boto3
    from PIL import Image

    data = boto3.client("s3", region_name="us-east-1").get_object(Bucket="laurel-test-assets", Key=key)["Body"].read()
    return Image.open(io.BytesIO(data))


# ------------------------------------------------------------------ previews that follow state


def test_preview_of_a_valid_credential_names_the_earner_and_shows_the_card(client, issuer):
    _, key, tpl = issuer
    cred = _accepted(client, key, tpl)
    meta = _meta(_page(client, cred["id"]))
    assert "Grace Hopper" in meta["og:title"] and "Data Steward" in meta["og:title"]
    assert meta["og:image"] == f"{BASE}/badges/{cred['id']}/card.png?lang=en"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["twitter:image"] == meta["og:image"]
    assert "revoked" not in meta["og:description"].lower() and "expired" not in meta["og:description"].lower()


def test_preview_of_an_expired_credential_says_so(client, issuer):
    _, key, tpl = issuer
    yesterday = (utcnow().date() - timedelta(days=1)).isoformat()
    cred = _accepted(client, key, tpl, issued_at="2020-01-01", expires_at=yesterday)
    meta = _meta(_page(client, cred["id"]))
    assert "expired" in meta["og:title"].lower() and "expired" in meta["og:description"].lower()
    assert "expired" in meta["twitter:description"].lower()
    assert "View my verified achievement" not in meta["og:description"]


def test_preview_of_a_revoked_credential_says_so_and_the_card_is_rendered_again(client, issuer):
    _, key, tpl = issuer
    cred = _accepted(client, key, tpl)
    valid_key = _card_key(client, cred["id"])
    assert valid_key in list_bucket() and "/baked/" in valid_key  # cached where hiding/erasure delete it
    card = _png(valid_key)
    assert card.size == (1200, 630) and card.format == "PNG"
    assert _card_key(client, cred["id"]) == valid_key  # cached: asked again, the same object

    res = post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "Issued in error"})
    assert res.status_code == 200, res.body
    meta = _meta(_page(client, cred["id"]))
    assert "revoked" in meta["og:title"].lower() and "revoked" in meta["og:description"].lower()
    revoked_key = _card_key(client, cred["id"])
    assert revoked_key != valid_key and revoked_key in list_bucket()
    assert valid_key not in list_bucket()  # the valid card of a revoked credential is gone
    assert _png(revoked_key).tobytes() != card.tobytes()  # the card itself says revoked


def test_card_follows_the_language_of_the_page(client, issuer):
    _, key, tpl = issuer
    cred = _accepted(client, key, tpl)
    meta = _meta(_page(client, cred["id"], lang="ja"))
    assert meta["og:image"].endswith("card.png?lang=ja")
    assert _card_key(client, cred["id"], "ja") != _card_key(client, cred["id"], "en")


def test_card_renders_names_in_any_script(client):
    _, key = new_issuer("東京大学")
    tpl = active_template(client, key, name="データ管理者")
    cred = body(issue(client, key, tpl, first_name="花子", last_name="山田"))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
    from chalicelib.web import share_card

    assert share_card.font_for("山").path != share_card.font_for("A").path  # CJK falls back to its own font
    assert _png(_card_key(client, cred["id"], "ja")).size == (1200, 630)


def test_card_oembed_and_embed_of_a_private_credential_answer_404(client, issuer):
    _, key, tpl = issuer
    cred = _accepted(client, key, tpl)
    b = Browser(client)
    sign_in(b, "grace@example.com")
    _card_key(client, cred["id"])
    page = b.text(b.get(f"/wallet/credentials/{cred['id']}"))
    res = b.post(f"/wallet/credentials/{cred['id']}/visibility", {"visibility": "private", "csrf": csrf_of(page)})
    assert res.status_code == 303
    assert client.http.get(f"/badges/{cred['id']}/card.png").status_code == 404
    assert not [k for k in list_bucket() if "/card-" in k]  # the cached card went with the baked files
    url = quote(f"{BASE}/badges/{cred['id']}", safe="")
    assert client.http.get(f"/oembed?url={url}&format=json").status_code == 404
    # the owner's page offers nothing to share, embed or add to LinkedIn
    page = b.text(b.get(f"/wallet/credentials/{cred['id']}"))
    for control in ('id="linkedin-add"', 'id="embed"', 'id="signature"', "data-network=", "/share/"):
        assert control not in page, control
    assert b.get(f"/wallet/credentials/{cred['id']}/share/email").status_code == 409


# ------------------------------------------------------------------ oEmbed


def test_oembed_rich_card_for_a_public_credential(client, issuer):
    _, key, tpl = issuer
    cred = _accepted(client, key, tpl)
    page = _page(client, cred["id"])
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', page)
    assert link, "no oEmbed discovery link"
    href = html_mod.unescape(link.group(1))
    assert href.startswith(f"{BASE}/oembed?")
    res = client.http.get(href[len(BASE):])
    assert res.status_code == 200, res.body
    assert res.headers["Content-Type"].startswith("application/json")
    doc = json.loads(res.body)
    assert doc["version"] == "1.0" and doc["type"] == "rich"
    assert doc["provider_name"] == "Laurel" and doc["provider_url"] == BASE
    assert isinstance(doc["width"], int) and isinstance(doc["height"], int)
    assert "Data Steward" in doc["title"]
    snippet = doc["html"]
    assert "<script" not in snippet.lower() and "<iframe" not in snippet.lower()
    for text in ("Data Steward", "Acme Academy", "Grace Hopper", f"/badges/{cred['id']}/card.png"):
        assert text in html_mod.unescape(snippet), text
    narrow = json.loads(client.http.get(href[len(BASE):] + "&maxwidth=200").body)
    assert narrow["width"] <= 200


def test_oembed_refusals(client, issuer):
    _, key, tpl = issuer
    cred = _accepted(client, key, tpl)
    url = quote(f"{BASE}/badges/{cred['id']}", safe="")
    assert client.http.get(f"/oembed?url={url}&format=xml").status_code == 501  # oEmbed 1.0: not implemented
    unknown = quote(f"{BASE}/badges/{cred['id'][:-4]}abcd", safe="")
    res = client.http.get(f"/oembed?url={unknown}&format=json")
    assert res.status_code == 404 and body(res)["error"]["code"] == "credential_not_found"
    for bad in ("", "url=https%3A%2F%2Fevil.example%2Fbadges%2Fx", "url=not-a-url", "url=" + "a" * 3000,
                "url=" + quote("http://[abc/badges/x", safe=""),  # an unterminated IPv6 host (was a 500)
                f"url={url}&maxwidth=%C2%B2", f"url={url}&maxheight=%C2%B2"):  # "²": a digit to str.isdigit
        res = client.http.get(f"/oembed?{bad}")
        assert res.status_code == 400, (bad, res.body)
        assert body(res)["error"]["code"]
    pending = body(issue(client, key, tpl, email="ada@example.com"))  # never accepted: not public
    pending_url = quote(f"{BASE}/badges/{pending['id']}", safe="")
    res = client.http.get(f"/oembed?url={pending_url}")
    assert res.status_code == 404


# ------------------------------------------------------------------ sharing


def test_linkedin_organization_comes_from_the_current_profile(client, issuer):
    tenant, key, tpl = issuer
    cred = _accepted(client, key, tpl)
    from chalicelib.store import issuers as issuer_store

    item = issuer_store.get_issuer(tenant)
    issuer_store.update_issuer(item, {"linkedin_organization_id": "4242", "name": "Acme University"})
    b = Browser(client)
    sign_in(b, "grace@example.com")
    page = b.text(b.get(f"/wallet/credentials/{cred['id']}"))
    q = parse_qs(urlsplit(b.get(f"/wallet/credentials/{cred['id']}/linkedin").headers["Location"]).query)
    assert q["organizationId"] == ["4242"]
    fields = page[page.index('id="linkedin-fields"'):]
    assert "<code>4242</code>" in fields and "<code>Acme University</code>" in fields  # the name, by hand too


def test_share_networks_include_email_and_ziprecruiter_and_copy_fields(client, issuer):
    _, key, tpl = issuer
    cred = _accepted(client, key, tpl)
    b = Browser(client)
    sign_in(b, "grace@example.com")
    res = b.get(f"/wallet/credentials/{cred['id']}")
    page = b.text(res)
    assert 'data-network="ziprecruiter"' in page and 'data-network="email"' in page
    assert b.get(f"/wallet/credentials/{cred['id']}/share/email").headers["Location"].startswith("mailto:?")
    zip_to = b.get(f"/wallet/credentials/{cred['id']}/share/ziprecruiter").headers["Location"]
    assert urlsplit(zip_to).hostname.endswith("ziprecruiter.com")
    # copy buttons: a script of our own origin, allowed by the page's CSP, none inline
    assert '<script src="/static/copy.js' in page and "<script>" not in page
    assert "script-src 'self'" in res.headers["Content-Security-Policy"]
    for field in ('id="copy-link"', 'id="embed"', 'id="signature"'):
        assert re.search(field + r'[^>]*readonly', page) or re.search(r'readonly[^>]*' + field, page), field
    script = client.http.get("/static/copy.js")
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    assert client.http.get("/static/laurel.css").status_code == 404  # only the scripts we name
    # the public page runs no script at all
    public = client.http.get(f"/badges/{cred['id']}", headers={"Accept": "text/html"})
    assert "script-src" not in public.headers["Content-Security-Policy"] and b"<script" not in public.body


def test_after_accepting_a_claim_a_page_offers_to_share(client, issuer):
    _, key, tpl = issuer
    cred = body(issue(client, key, tpl))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    res = client.http.post(f"/claim/{cred['id']}", headers={"Content-Type": "application/x-www-form-urlencoded"},
                           body=f"token={token}&decision=accept")
    assert res.status_code == 200, res.headers
    page = res.body.decode()
    assert "linkedin.com/profile/add" in html_mod.unescape(page)
    assert "ziprecruiter" in page and f"{BASE}/badges/{cred['id']}" in page
    assert "script-src 'self'" in res.headers["Content-Security-Policy"]


def test_after_accepting_a_claim_while_restricted_nothing_is_offered(client, issuer):
    _, key, tpl = issuer
    b = Browser(client)
    sign_in(b, "grace@example.com")
    csrf = csrf_of(b.text(b.get("/wallet/privacy")))
    assert b.post("/wallet/restrict", {"csrf": csrf}).status_code == 303
    cred = body(issue(client, key, tpl))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    res = client.http.post(f"/claim/{cred['id']}", headers={"Content-Type": "application/x-www-form-urlencoded"},
                           body=f"token={token}&decision=accept")
    page = res.body.decode()
    assert res.status_code == 200
    assert "linkedin.com" not in page and "data-network" not in page and "/card.png" not in page


def test_signature_of_several_credentials_in_one_line(client, issuer):
    _, key, tpl = issuer
    first = _accepted(client, key, tpl)
    other = active_template(client, key, name="Compiler Pioneer", kind="badge")
    second = _accepted(client, key, other)
    hidden_tpl = active_template(client, key, name="Secret Thing", kind="badge")
    hidden = _accepted(client, key, hidden_tpl)
    b = Browser(client)
    sign_in(b, "grace@example.com")
    page = b.text(b.get(f"/wallet/credentials/{hidden['id']}"))
    b.post(f"/wallet/credentials/{hidden['id']}/visibility", {"visibility": "private", "csrf": csrf_of(page)})
    chooser = b.text(b.get("/wallet/signature"))
    assert first["id"] in chooser and second["id"] in chooser and hidden["id"] not in chooser
    res = b.get(f"/wallet/signature?c={first['id']}&c={second['id']}&c={hidden['id']}")
    assert res.status_code == 200
    snippet = html_mod.unescape(re.search(r'<textarea id="signature-line"[^>]*>(.*?)</textarea>',
                                          b.text(res), re.S).group(1))
    assert "\n" not in snippet.strip()
    assert "Data Steward" in snippet and "Compiler Pioneer" in snippet and "Secret Thing" not in snippet
    # another earner's id is ignored like a hidden one
    other_b = Browser(client)
    sign_in(other_b, "ada@example.com")
    res = other_b.get(f"/wallet/signature?c={first['id']}")
    assert res.status_code == 200 and "Data Steward" not in other_b.text(res)


def test_embed_snippet_in_the_wallet_is_the_live_card(client, issuer):
    _, key, tpl = issuer
    cred = _accepted(client, key, tpl)
    b = Browser(client)
    sign_in(b, "grace@example.com")
    page = b.text(b.get(f"/wallet/credentials/{cred['id']}"))
    snippet = html_mod.unescape(re.search(r'<textarea id="embed"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    assert "<script" not in snippet and f"/badges/{cred['id']}/card.png" in snippet
    for text in ("Data Steward", "Acme Academy", "Grace Hopper"):
        assert text in snippet


def test_single_issuance_does_no_card_work(client, issuer):
    _, key, tpl = issuer
    from tests.aws_calls import requests

    with requests() as calls:
        res = issue(client, key, tpl)
    assert res.status_code == 201
    written = [c.params.get("Key", "") for c in calls if c.name.startswith("s3.")]
    assert not [k for k in written if "/card-" in k], written  # no card rendered or stored at issue
    assert not [k for k in list_bucket() if "/card-" in k]
