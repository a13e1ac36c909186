"""One publicity rule on every public route (issue 12, item 1).

A credential is public only when it was accepted, is not private, its earner has not
restricted processing, and it is not erased. Every other credential answers on every
public route exactly like an id that was never issued: same status, same body, same
headers. Its baked image is deleted when it is hidden and baked again when shown.
Erased credentials answer 410 everywhere, deliberately (the issuer's record stays).
"""

from __future__ import annotations

import json

import boto3
import pytest

from tests.conftest import body, list_bucket, scan_table, sent_mail
from tests.helpers import Browser, active_template, claim_token_from, csrf_of, issue, new_issuer, post, sign_in

BASE = "https://laurel.test"

# Every public route that takes a credential id, with the Accept headers that select
# another representation of the same URL.
ROUTES = [
    ("/badges/{}", {}),
    ("/badges/{}", {"Accept": "application/json"}),
    ("/badges/{}", {"Accept": "application/ld+json"}),
    ("/badges/{}.json", {}),
    ("/ob/v2/assertions/{}", {}),
    ("/ob/v2/assertions/{}/badge", {}),
    ("/ob/v3/credentials/{}", {}),
    ("/ob/v3/credentials/{}.jwt", {}),
    ("/ob/v3/credentials/{}", {"Accept": "application/vc+jwt"}),
    ("/badges/{}/image", {}),
]

# The URL forms Laurel prints, for /verify.
URL_FORMS = ["/badges/{}", "/badges/{}.json", "/ob/v2/assertions/{}", "/ob/v3/credentials/{}",
             "/ob/v3/credentials/{}.jwt"]


def _operator() -> dict:
    from chalicelib.services import ops

    return {"Authorization": f"Bearer {ops.create_operator_key('dpo')}", "Content-Type": "application/json"}


def _claim(client, cid: str, decision: str = "accept") -> dict:
    token = claim_token_from(next(m["body"] for m in reversed(sent_mail()) if f"/claim/{cid}?" in m["body"]), cid)
    res = post(client, f"/claim/{cid}", None, {"token": token, "decision": decision})
    assert res.status_code == 200, res.body
    return body(res)


def _bake(client, cid: str) -> str:
    """Fetch the public image once, so its baked object exists; returns the object key."""
    res = client.http.get(f"/badges/{cid}/image")
    assert res.status_code == 302, res.body
    return res.headers["Location"].split("https://assets.laurel.test/", 1)[1]


def _baked_objects(tenant: str, cid: str) -> list[str]:
    return [k for k in list_bucket() if k.startswith(f"assets/baked/{tenant}/{cid}/")]


def _item(cid: str) -> dict:
    tenant, rand = cid.split("-")
    return next(i for i in scan_table() if i["pk"] == f"T#{tenant}#C#{rand}")


@pytest.fixture()
def world(client):
    """A credential in every state a public route must tell apart."""
    tenant, key = new_issuer()
    tpl = active_template(client, key)
    tpl2 = active_template(client, key, name="Second Badge")
    c = {}
    c["public"] = body(issue(client, key, tpl, email="pat@example.com"))["id"]
    _claim(client, c["public"])
    c["revoked_public"] = body(issue(client, key, tpl2, email="pat@example.com"))["id"]
    _claim(client, c["revoked_public"])
    post(client, f"/credentials/{c['revoked_public']}/revoke", key, {"reason": "Exam misconduct"})
    c["pending"] = body(issue(client, key, tpl, email="penny@example.com"))["id"]
    c["rejected"] = body(issue(client, key, tpl, email="rex@example.com"))["id"]
    _claim(client, c["rejected"], "reject")

    # Grace hides one credential in her wallet, and hides another that is then revoked.
    c["private"] = body(issue(client, key, tpl, email="grace@example.com"))["id"]
    c["revoked_private"] = body(issue(client, key, tpl2, email="grace@example.com"))["id"]
    grace = Browser(client)
    sign_in(grace, "grace@example.com")
    csrf = csrf_of(grace.text(grace.get("/wallet")))
    baked = {}
    for cid in (c["private"], c["revoked_private"]):
        assert grace.post(f"/wallet/credentials/{cid}/decision", {"decision": "accept", "csrf": csrf}).status_code == 303
        baked[cid] = _bake(client, cid)
        assert grace.post(f"/wallet/credentials/{cid}/visibility",
                          {"visibility": "private", "csrf": csrf}).status_code == 303
    post(client, f"/credentials/{c['revoked_private']}/revoke", key, {"reason": "Exam misconduct"})

    # Rita restricts processing in her wallet.
    c["restricted"] = body(issue(client, key, tpl, email="rita@example.com"))["id"]
    rita = Browser(client)
    sign_in(rita, "rita@example.com")
    csrf = csrf_of(rita.text(rita.get("/wallet")))
    assert rita.post(f"/wallet/credentials/{c['restricted']}/decision",
                     {"decision": "accept", "csrf": csrf}).status_code == 303
    baked[c["restricted"]] = _bake(client, c["restricted"])
    assert rita.post("/wallet/restrict", {"csrf": csrf}).status_code == 303

    # Olga never signed in: an operator restricts by her address; one of her credentials
    # was accepted before, the other is accepted through its claim link afterwards.
    c["op_restricted"] = body(issue(client, key, tpl, email="olga@example.com"))["id"]
    _claim(client, c["op_restricted"])
    baked[c["op_restricted"]] = _bake(client, c["op_restricted"])
    c["op_restricted_later"] = body(issue(client, key, tpl2, email="olga@example.com"))["id"]
    res = client.http.post("/ops/data-requests/restrict", headers=_operator(),
                           body=json.dumps({"email": "olga@example.com"}))
    assert res.status_code == 200, res.body
    later_claim = _claim(client, c["op_restricted_later"])

    # Erin's data is erased on request.
    c["erased"] = body(issue(client, key, tpl, email="erin@example.com"))["id"]
    _claim(client, c["erased"])
    baked[c["erased"]] = _bake(client, c["erased"])
    res = client.http.post("/ops/data-requests/erase", headers=_operator(),
                           body=json.dumps({"email": "erin@example.com", "confirm": "erase"}))
    assert res.status_code == 200, res.body

    c["never_issued"] = f"{tenant}-{'a' * 32}"
    return {"tenant": tenant, "key": key, "ids": c, "baked": baked, "grace": grace, "later_claim": later_claim}


HIDDEN = ["private", "revoked_private", "restricted", "op_restricted", "op_restricted_later", "pending", "rejected"]


def _answer(client, path: str, headers: dict, cid: str, unknown: str):
    """Status, body and headers, with the id written as the unknown one's (so that two
    answers compare equal exactly when they say the same thing)."""
    res = client.http.get(path.format(cid), headers=headers)
    text = res.body.decode() if isinstance(res.body, bytes) else res.body
    return res.status_code, text.replace(cid, unknown), {k.lower(): v.replace(cid, unknown)
                                                         for k, v in res.headers.items()}


def test_hidden_credentials_answer_exactly_like_one_never_issued(client, world):
    unknown = world["ids"]["never_issued"]
    differ = []
    for path, headers in ROUTES:
        expected = _answer(client, path, headers, unknown, unknown)
        assert expected[0] == 404, (path, expected)
        for state in HIDDEN:
            got = _answer(client, path, headers, world["ids"][state], unknown)
            if got != expected:
                differ.append((state, path, headers, got[0], got[1][:80]))
    assert differ == []


EMAILS = {"private": "grace@example.com", "revoked_private": "grace@example.com", "restricted": "rita@example.com",
          "op_restricted": "olga@example.com", "op_restricted_later": "olga@example.com",
          "pending": "penny@example.com", "rejected": "rex@example.com"}


def test_verify_answers_for_hidden_credentials_as_for_unknown_ones(client, world):
    unknown = world["ids"]["never_issued"]

    def report(form, ident, email):
        res = post(client, "/verify", None, {"url": BASE + form.format(ident), "email": email})
        assert res.status_code == 200, res.body
        r = body(res)
        r.pop("checked_at")
        return json.loads(json.dumps(r).replace(ident, unknown))

    differ = []
    for form in URL_FORMS:
        for state in HIDDEN:
            got, expected = report(form, world["ids"][state], EMAILS[state]), report(form, unknown, EMAILS[state])
            if got != expected or got["result"] != "invalid" or got["recipient_checked"]:
                differ.append((state, form, got["result"], [c for c in got["checks"] if c["check"] == "recipient"]))
    assert differ == []


def test_hiding_deletes_the_baked_image_and_showing_bakes_it_again(client, world):
    tenant = world["tenant"]
    for state in ("private", "revoked_private", "restricted", "op_restricted"):
        cid = world["ids"][state]
        assert _baked_objects(tenant, cid) == [], state
        assert world["baked"][cid] not in list_bucket()
        assert "baked_key" not in _item(cid), state
    grace, cid = world["grace"], world["ids"]["private"]
    csrf = csrf_of(grace.text(grace.get(f"/wallet/credentials/{cid}")))
    assert grace.post(f"/wallet/credentials/{cid}/visibility", {"visibility": "public", "csrf": csrf}).status_code == 303
    key = _bake(client, cid)
    assert _baked_objects(tenant, cid) == [key]
    png = boto3.client("s3", region_name="us-east-1").get_object(Bucket="laurel-test-assets", Key=key)["Body"].read()
    assert png.startswith(b"\x89PNG") and f"/ob/v2/assertions/{cid}".encode() in png


def test_a_bake_racing_a_hide_leaves_no_public_file(client, world, monkeypatch):
    """The public image route read the credential while it was public; the earner hid
    it before the baked file was written. The file must not stay behind."""
    from chalicelib.domain.errors import NotFound
    from chalicelib.services import openbadges
    from chalicelib.store import credentials as cred_store

    grace, cid, tenant = world["grace"], world["ids"]["private"], world["tenant"]
    csrf = csrf_of(grace.text(grace.get(f"/wallet/credentials/{cid}")))
    assert grace.post(f"/wallet/credentials/{cid}/visibility", {"visibility": "public", "csrf": csrf}).status_code == 303
    stale = cred_store.get_consistent(cid)  # what the image route read
    assert grace.post(f"/wallet/credentials/{cid}/visibility",
                      {"visibility": "private", "csrf": csrf}).status_code == 303
    with pytest.raises(NotFound):  # like any hidden credential
        openbadges._baked(stale)
    assert _baked_objects(tenant, cid) == []


def test_revoked_credentials_stay_public_with_their_reason_unless_hidden(client, world):
    cid, hidden = world["ids"]["revoked_public"], world["ids"]["revoked_private"]
    page = client.http.get(f"/badges/{cid}")
    assert page.status_code == 200 and b"Exam misconduct" in page.body
    gone = client.http.get(f"/ob/v2/assertions/{cid}")
    assert gone.status_code == 410 and body(gone)["revocationReason"] == "Exam misconduct"
    assert body(post(client, "/verify", None, {"url": f"{BASE}/ob/v2/assertions/{cid}"}))["result"] == "revoked"
    # the issuer's RevocationList names only what is public: no hidden id, no hidden reason
    listed = body(client.http.get(f"/ob/v2/issuers/{world['tenant']}/revocations"))["revokedAssertions"]
    assert listed == [{"id": f"{BASE}/ob/v2/assertions/{cid}", "revocationReason": "Exam misconduct"}]
    assert hidden not in json.dumps(listed)


def test_erased_credentials_answer_410_on_every_route(client, world):
    cid = world["ids"]["erased"]
    for path, headers in ROUTES:
        res = client.http.get(path.format(cid), headers=headers)
        assert res.status_code == 410, (path, headers, res.status_code)
        if b"<html" in res.body[:100].lower() or b"<!doctype" in res.body[:100].lower():
            assert b"Credential removed" in res.body
        else:
            assert body(res)["error"]["code"] == "credential_erased", (path, res.body)
    assert _baked_objects(world["tenant"], cid) == []
    # A 410 on a hosted assertion means "revoked" to any Open Badges 2.0 verifier; Laurel's says so too
    for form in URL_FORMS:
        r = body(post(client, "/verify", None, {"url": BASE + form.format(cid), "email": "erin@example.com"}))
        assert r["result"] == "revoked", (form, r)
        assert not r["recipient_checked"]
        assert any("erased" in c["detail"] for c in r["checks"]), r["checks"]
    listed = body(client.http.get(f"/ob/v2/issuers/{world['tenant']}/revocations"))["revokedAssertions"]
    assert cid not in json.dumps(listed)


def test_public_credentials_are_published_everywhere(client, world):
    cid = world["ids"]["public"]
    for path, headers in ROUTES:
        # the image answers with a redirect to the baked file; every other form with the document
        expected = 302 if path.endswith("/image") else 200
        assert client.http.get(path.format(cid), headers=headers).status_code == expected, path
    for form in URL_FORMS:
        r = body(post(client, "/verify", None, {"url": BASE + form.format(cid), "email": "pat@example.com"}))
        assert r["result"] == "valid", (form, r)
        assert {c["check"]: c for c in r["checks"]}["recipient"]["ok"] is True


def test_the_owner_still_sees_and_downloads_a_private_credential_without_publishing_it(client, world):
    grace, cid, tenant = world["grace"], world["ids"]["private"], world["tenant"]
    assert "Private" in grace.text(grace.get(f"/wallet/credentials/{cid}"))
    res = grace.get(f"/wallet/credentials/{cid}/download")
    assert res.status_code == 302
    link = res.headers["Location"]
    assert "/assets/" not in link and "X-Amz-Expires=300" in link and "response-content-disposition=attachment" in link
    assert _baked_objects(tenant, cid) == []  # nothing under the public prefix
    key = next(k for k in list_bucket() if k.startswith("exports/") and cid in k)
    png = boto3.client("s3", region_name="us-east-1").get_object(Bucket="laurel-test-assets", Key=key)["Body"].read()
    assert png.startswith(b"\x89PNG") and f"/ob/v2/assertions/{cid}".encode() in png
    assert client.http.get(f"/badges/{cid}/image").status_code == 404


def test_an_export_never_publishes_hidden_images(client, world):
    from chalicelib.services import rights

    rights.build_export(rights.person_of_email("rita@example.com"))
    assert _baked_objects(world["tenant"], world["ids"]["restricted"]) == []


def test_restriction_by_operator_covers_credentials_accepted_later(client, world):
    cid = world["ids"]["op_restricted_later"]
    assert _item(cid)["status"] == "accepted"
    # the claim answer sends her to her wallet, not to a public page that answers 404
    assert world["later_claim"]["url"] == f"{BASE}/wallet/credentials/{cid}"
    assert client.http.get(f"/badges/{cid}").status_code == 404
    assert client.http.get(f"/ob/v2/assertions/{cid}").status_code == 404


def test_the_verification_page_still_costs_one_read(client, world):
    from tests.aws_calls import recording

    for state in ("public", "private", "erased", "never_issued"):
        with recording() as calls:
            client.http.get(f"/badges/{world['ids'][state]}")
        assert calls == ["dynamodb.GetItem"], (state, calls)

