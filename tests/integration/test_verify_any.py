"""Verify anything (Laurel's badges and other issuers'), import, and the SSRF fence."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from chalicelib.adapters import fetch
from chalicelib.openbadges import data_integrity
from chalicelib.services import badge_check
from tests.conftest import body, sent_mail
from tests.helpers import active_template, claim_token_from, issue, new_issuer, post

EMAIL = "grace@example.com"


@pytest.fixture()
def accepted(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    cred = body(issue(client, key, tpl))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
    return {"key": key, "tpl": tpl, "id": cred["id"]}


def verify(client, payload):
    res = post(client, "/verify", None, payload)
    assert res.status_code == 200, res.body
    return body(res)


def checks(report):
    return {c["check"]: c["ok"] for c in report["checks"]}


def test_laurel_badges_verify_in_every_form_and_revocation_shows_in_all(client, accepted):
    cid = accepted["id"]
    url = f"https://laurel.test/ob/v2/assertions/{cid}"
    jwt_token = client.http.get(f"/ob/v3/credentials/{cid}.jwt").body.decode()
    vc = json.loads(client.http.get(f"/ob/v3/credentials/{cid}").body)
    location = client.http.get(f"/badges/{cid}/image").headers["Location"]
    png = boto3.client("s3", region_name="us-east-1").get_object(
        Bucket="laurel-test-assets", Key=location.split("https://assets.laurel.test/")[1])["Body"].read()

    def all_forms():
        image = client.http.post("/verify", headers={"Content-Type": "image/png"}, body=png)
        return [verify(client, {"url": url, "email": EMAIL}), verify(client, {"jwt": jwt_token}),
                verify(client, {"credential": vc}), body(image)]

    for report in all_forms():
        assert report["result"] == "valid", [c for c in report["checks"] if not c["ok"]]
        assert all(c["ok"] for c in report["checks"]), report
    first = all_forms()[0]
    assert checks(first)["recipient"] is True and first["format"] == "Open Badges 2.0"
    assert verify(client, {"url": url, "email": "someone@else.com"})["result"] == "invalid"

    post(client, f"/credentials/{cid}/revoke", accepted["key"], {"reason": "Misconduct", "suppress_email": True})
    results = [r["result"] for r in all_forms()]
    assert results == ["revoked"] * 4, results


def test_tampered_and_garbage_inputs_are_invalid(client, accepted):
    cid = accepted["id"]
    jwt_token = client.http.get(f"/ob/v3/credentials/{cid}.jwt").body.decode()
    vc = json.loads(client.http.get(f"/ob/v3/credentials/{cid}").body)
    h, p, s = jwt_token.split(".")
    assert verify(client, {"jwt": f"{h}.{p}x.{s}"})["result"] == "invalid"
    assert verify(client, {"credential": {**vc, "name": "Forged"}})["result"] == "invalid"
    for text in ["hello", "{}", "[1]", "a.b.c", "https://laurel.test/ob/v2/assertions/nope"]:
        assert verify(client, {"text": text})["result"] == "invalid", text
    res = client.http.post("/verify", headers={"Content-Type": "image/png"}, body=b"\x89PNG\r\n\x1a\nnope")
    assert body(res)["result"] == "invalid"
    assert post(client, "/verify", None, {}).status_code == 422
    assert post(client, "/verify", None, {"url": "x", "jwt": "y"}).status_code == 422


def test_verify_page_form_posts_multipart(client, accepted):
    page = client.http.get("/verify")
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.body
    boundary = "XyZ"
    url = f"https://laurel.test/ob/v2/assertions/{accepted['id']}"
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{url}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n{EMAIL}\r\n--{boundary}--\r\n")
    res = client.http.post("/verify", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
                           body=form.encode())
    assert res.status_code == 200 and b"Valid" in res.body and b"recipient" in res.body


# ------------------------------------------------------------------ a foreign issuer on loopback


class Foreign:
    """A tiny external issuer: OB 2.0 hosted documents and an OB 3.0 credential."""

    def __init__(self):
        self.docs: dict[str, tuple[int, dict]] = {}
        docs = self.docs

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                status, doc = docs.get(self.path, (404, {}))
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ob2(self, email: str, revoked: bool = False) -> str:
        b = self.base
        salt = "pepper"
        self.docs["/assertion"] = (410, {"revoked": True, "revocationReason": "gone"}) if revoked else (200, {
            "@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": f"{b}/assertion",
            "recipient": {"type": "email", "hashed": True, "salt": salt,
                          "identity": "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()},
            "badge": f"{b}/badge", "verification": {"type": "HostedBadge"}, "issuedOn": "2025-01-01T00:00:00Z"})
        self.docs["/badge"] = (200, {"@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass",
                                     "id": f"{b}/badge", "name": "Foreign Badge", "issuer": f"{b}/issuer"})
        self.docs["/issuer"] = (200, {"@context": "https://w3id.org/openbadges/v2", "type": "Profile",
                                      "id": f"{b}/issuer", "name": "Foreign Org", "revocationList": f"{b}/revoked"})
        self.docs["/revoked"] = (200, {"revokedAssertions": []})
        return f"{b}/assertion"

    def ob3(self) -> dict:
        b = self.base
        signer = data_integrity.LocalEd25519Signer(b"\x07" * 32, key_id=f"{b}/issuer3#key-1")
        # (a controller document authorizes a key for credentials by listing it under assertionMethod)
        self.docs["/issuer3"] = (200, {"id": f"{b}/issuer3", "verificationMethod": [
            data_integrity.multikey_document(signer.key_id, f"{b}/issuer3", signer.public_key_multibase())],
            "assertionMethod": [signer.key_id]})
        vc = {"@context": ["https://www.w3.org/ns/credentials/v2",
                           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
              "id": f"{b}/vc/1", "type": ["VerifiableCredential", "OpenBadgeCredential"],
              "issuer": {"id": f"{b}/issuer3", "type": ["Profile"], "name": "Foreign Org 3"},
              "validFrom": "2025-01-01T00:00:00Z", "name": "Foreign OB3",
              "credentialSubject": {"type": ["AchievementSubject"], "achievement": {
                  "id": f"{b}/achievements/1", "type": ["Achievement"], "name": "Foreign OB3",
                  "description": "d", "criteria": {"narrative": "n"}}}}
        return data_integrity.add_proof(vc, signer, created="2025-01-01T00:00:00Z")

    def close(self):
        self.server.shutdown()


@pytest.fixture()
def foreign(monkeypatch):
    # This test stage refuses loopback and plain HTTP; the foreign issuer lives on loopback.
    monkeypatch.setattr(badge_check.fetching, "policy", lambda: fetch.Policy(allow_http=True, allow_private=True))
    server = Foreign()
    yield server
    server.close()


def test_foreign_ob2_and_ob3_badges_verify(client, foreign):
    url = foreign.ob2(EMAIL)
    report = verify(client, {"url": url, "email": EMAIL})
    assert report["result"] == "valid", report
    assert report["credential"]["name"] == "Foreign Badge" and report["credential"]["issuer"] == "Foreign Org"
    vc = foreign.ob3()
    report = verify(client, {"credential": vc})
    assert report["result"] == "valid", report
    assert checks(report)["key controlled by issuer"] is True
    foreign.ob2(EMAIL, revoked=True)
    assert verify(client, {"url": url})["result"] == "revoked"


def test_import_needs_the_recipients_confirmation(client, foreign):
    url = foreign.ob2(EMAIL)
    assert post(client, "/imports", None, {"url": url, "email": "thief@example.com"}).status_code == 422
    res = post(client, "/imports", None, {"url": url, "email": EMAIL})
    assert res.status_code == 202, res.body
    pending = body(res)
    assert pending["status"] == "pending" and pending["external"] is True
    assert client.http.get(f"/imports/{pending['id']}").status_code == 404  # not shown before confirmation
    link = sent_mail()[-1]["body"]
    token = link.split("?token=")[1].split('"')[0]
    page = client.http.get(f"/imports/{pending['id']}?token={token}")
    assert page.status_code == 200 and b"Confirm import" in page.body
    assert post(client, f"/imports/{pending['id']}", None, {"token": "wrong"}).status_code == 404
    res = client.http.post(f"/imports/{pending['id']}", headers={"Content-Type": "application/x-www-form-urlencoded"},
                           body=f"token={token}")
    assert res.status_code == 303
    shown = client.http.get(f"/imports/{pending['id']}", headers={"Accept": "application/json"})
    data = body(shown)
    assert data["status"] == "confirmed" and data["external"] is True and data["last_verified_at"]
    html = client.http.get(f"/imports/{pending['id']}").body
    assert b"External badge" in html and b"last verified" in html
    assert post(client, f"/imports/{pending['id']}", None, {"token": token}).status_code == 410
    # the earner's wallet lists it apart from Laurel's own credentials
    from tests.helpers import Browser, sign_in

    earner = Browser(client)
    sign_in(earner, EMAIL)
    wallet = earner.text(earner.get("/wallet"))
    assert "From other issuers" in wallet and f"/imports/{pending['id']}" in wallet
    assert "Nothing here yet" in wallet  # no Laurel credential was mistaken for the import
    foreign.ob2(EMAIL, revoked=True)
    assert body(post(client, f"/imports/{pending['id']}/verify", None, b""))["result"] == "revoked"


# ------------------------------------------------------------------ SSRF


@pytest.mark.parametrize("url, why", [
    ("http://example.com/badge", "https"),
    ("https://127.0.0.1/x", "non-public"),
    ("https://localhost/x", "non-public"),
    ("https://10.1.2.3/x", "non-public"),
    ("https://192.168.0.1/x", "non-public"),
    ("https://169.254.169.254/latest/meta-data/", "non-public"),
    ("https://[::1]/x", "non-public"),
    ("https://[::ffff:127.0.0.1]/x", "non-public"),
    ("https://0.0.0.0/x", "non-public"),
    ("https://user:pass@example.com/x", "credentials"),
    ("ftp://example.com/x", "https"),
])
def test_private_and_odd_urls_are_never_fetched(client, url, why, monkeypatch):
    def no_connection(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(fetch.socket, "create_connection", no_connection)
    report = verify(client, {"url": url})
    assert report["result"] == "invalid"
    failed = [c for c in report["checks"] if not c["ok"]]
    assert failed and why in failed[0]["detail"], report


def test_redirects_are_checked_at_every_hop(monkeypatch):
    """A public-looking host that redirects to the metadata address is refused at the second hop."""
    server = Foreign()
    port = server.server.server_port

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()

        def log_message(self, *args):
            pass

    server.server.RequestHandlerClass = Redirect
    real_check = fetch._check_address
    monkeypatch.setattr(fetch, "_check_address",
                        lambda ip, policy: None if ip == "127.0.0.1" else real_check(ip, policy))
    real_getaddrinfo = fetch.socket.getaddrinfo
    monkeypatch.setattr(fetch.socket, "getaddrinfo", lambda host, *args, **kw: real_getaddrinfo(
        "127.0.0.1" if host == "public.example" else host, *args, **kw))
    try:
        with pytest.raises(fetch.FetchError, match="non-public"):
            fetch.fetch(f"http://public.example:{port}/start", fetch.Policy(allow_http=True))
    finally:
        server.close()


def test_size_and_redirect_limits(monkeypatch):
    server = Foreign()
    server.docs["/big"] = (200, {"x": "y" * 5000})
    try:
        with pytest.raises(fetch.FetchError, match="larger"):
            fetch.fetch(f"{server.base}/big", fetch.Policy(allow_http=True, allow_private=True, max_bytes=1000))
    finally:
        server.close()


# ------------------------------------------------------------------ what /verify never trusts or follows


def test_a_token_carrying_its_own_key_is_not_trusted(client):
    tenant, _ = new_issuer()
    forger = ECKey.generate_key("P-256")
    claims = {"@context": ["https://www.w3.org/ns/credentials/v2",
                           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
              "type": ["VerifiableCredential", "OpenBadgeCredential"], "id": "urn:x",
              "issuer": {"id": f"https://laurel.test/ob/v3/issuers/{tenant}", "name": "Acme Academy"},
              "validFrom": "2025-01-01T00:00:00Z", "credentialSubject": {"type": ["AchievementSubject"]}}
    token = jwt.encode({"alg": "ES256", "jwk": forger.as_dict(private=False)}, claims, forger)
    assert verify(client, {"jwt": token})["result"] == "invalid"
    assert post(client, "/imports", None, {"jwt": token, "email": "a@example.com"}).status_code == 422


def test_a_url_answering_with_a_url_is_not_followed_again(client, monkeypatch):
    calls = []

    def fake_fetch(url, policy, **kw):
        calls.append(url)
        return fetch.Fetched(url, 200, "text/plain", b"https://loop.example/again")

    monkeypatch.setattr(fetch, "fetch", fake_fetch)
    assert verify(client, {"url": "https://loop.example/start"})["result"] == "invalid"
    assert calls == ["https://loop.example/start"]


@pytest.mark.parametrize("payload, failing_check", [
    ({"url": "https://[::1"}, "fetch URL"),
    ({"url": "https://1.1.1.1/\u00e9"}, "fetch URL"),  # no network here: the fetch fails
    ({"text": "https://[::1"}, "fetch URL"),
    ({"credential": {"type": [[1]]}}, "document structure"),
    ({"credential": {"type": 5}}, "document structure"),
    ({"credential": {"type": "Assertion", "verification": "hosted"}}, "document structure"),
    ({"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"],
                     "type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": 5}}, "issuer"),
    ({"jwt": "eyJhbGciOiJub25lIn0.eyJ4Ijp7fX0.x"}, "type"),  # alg "none", payload {"x": {}}
    ({"jwt": "a" * 5000 + ".b.c"}, "JWT structure"),
])
def test_odd_documents_are_invalid_not_500(client, payload, failing_check, monkeypatch):
    monkeypatch.setattr(fetch.socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(OSError("no net")))
    report = verify(client, payload)
    assert report["result"] == "invalid" and checks(report)[failing_check] is False, report
