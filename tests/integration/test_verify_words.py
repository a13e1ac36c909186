"""Rule 7 of issue 18 through /verify: each verdict says, in plain words, which check
decided it; every check carries its words (`says`) and keeps its technical `detail`;
the HTML report shows the words and folds the detail."""

from __future__ import annotations

import json

from chalicelib.domain import check_words
from tests.conftest import body, sent_mail
from tests.helpers import active_template, claim_token_from, issue, new_issuer, post

BASE = "https://laurel.test"
EMAIL = "grace@example.com"


def _credential(client, **extra) -> tuple[str, str]:
    _, key = new_issuer()
    tpl = active_template(client, key)
    cid = body(issue(client, key, tpl, **extra))["id"]
    token = claim_token_from(sent_mail()[-1]["body"], cid)
    assert post(client, f"/claim/{cid}", None, {"token": token, "decision": "accept"}).status_code == 200
    return key, cid


def _verify(client, **payload) -> dict:
    res = post(client, "/verify", None, {**payload, "email": EMAIL})
    assert res.status_code == 200, res.body
    return body(res)


def _words_on_every_check(report: dict) -> None:
    for c in report["checks"]:
        assert c["says"] == check_words.says(c["check"], c["ok"]), c
        assert check_words.known(c["check"]), c  # never the generic sentence for what Laurel emits


def test_a_valid_badge_says_every_check_passed(client):
    _, cid = _credential(client)
    report = _verify(client, url=f"{BASE}/ob/v3/credentials/{cid}")
    assert report["result"] == "valid", report
    assert report["says"] == "Valid: every check passed." and report["decided_by"] is None
    _words_on_every_check(report)
    assert {c["check"]: c["says"] for c in report["checks"]}["revocation"] == (
        "The issuer has not withdrawn (revoked) this badge.")


def test_a_revoked_badge_says_it_was_withdrawn(client):
    key, cid = _credential(client)
    post(client, f"/credentials/{cid}/revoke", key, {"reason": "Exam misconduct", "suppress_email": True})
    report = _verify(client, url=f"{BASE}/ob/v3/credentials/{cid}.jwt")
    assert report["result"] == "revoked"
    assert report["decided_by"] == "revocation"
    assert report["says"] == "Revoked: The issuer has withdrawn (revoked) this badge."
    _words_on_every_check(report)


def test_an_expired_badge_says_it_expired_and_keeps_the_date_in_the_detail(client):
    _, cid = _credential(client, issued_at="2020-01-01", expires_at="2021-01-01")
    report = _verify(client, url=f"{BASE}/ob/v2/assertions/{cid}")
    assert report["result"] == "expired"
    assert report["says"] == "Expired: The badge has expired." and report["decided_by"] == "expiry"
    expiry = {c["check"]: c for c in report["checks"]}["expiry"]
    assert expiry == {"check": "expiry", "ok": False, "detail": "expired on 2021-01-01T00:00:00Z",
                      "says": "The badge has expired."}


def test_a_tampered_badge_says_the_signature_does_not_match(client):
    _, cid = _credential(client)
    vc = json.loads(client.http.get(f"/ob/v3/credentials/{cid}").body)
    vc["name"] = "Chief Data Officer"
    report = _verify(client, text=json.dumps(vc))
    assert report["result"] == "invalid"
    assert report["decided_by"] == "signature (eddsa-rdfc-2022)"
    assert report["says"] == ("Not valid: The digital signature does not match: the badge was altered or not "
                              "signed by its issuer.")
    _words_on_every_check(report)


def test_garbage_says_it_is_not_a_badge(client):
    report = _verify(client, text="hello, I am a badge")
    assert report["result"] == "invalid" and report["decided_by"] == "recognised input"
    assert report["says"].startswith("Not valid: This is not something Laurel can read as a badge")


def test_the_html_report_shows_the_words_and_folds_the_technical_detail(client):
    key, cid = _credential(client)
    post(client, f"/credentials/{cid}/revoke", key, {"reason": "Exam misconduct", "suppress_email": True})
    boundary = "b0undary"
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{BASE}/ob/v3/credentials/{cid}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n{EMAIL}\r\n--{boundary}--\r\n")
    res = client.http.post("/verify", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
                           body=form.encode())
    assert res.status_code == 200
    html = res.body.decode()
    assert '<p class="verdict">Revoked: The issuer has withdrawn (revoked) this badge.</p>' in html
    assert "The digital signature is genuine: the badge is unchanged since the issuer signed it." in html
    assert ("<details><summary>Technical detail</summary><p><code>revocation</code>: "
            "revoked (status list bit set)</p></details>") in html
    # the technical names are only inside the folded detail
    outside = html.replace("<code>signature (eddsa-rdfc-2022)</code>", "")
    assert "signature (eddsa-rdfc-2022)" not in outside


def test_an_imported_badge_says_why_after_it_is_checked_again(client):
    """The import's JSON and page carry the words; checking again after a revocation
    names the revocation (stored reports from before get their words when shown)."""
    from chalicelib.store import imports as import_store

    key, cid = _credential(client)
    res = post(client, "/imports", None, {"url": f"{BASE}/ob/v3/credentials/{cid}", "email": EMAIL})
    assert res.status_code == 202, res.body
    pending = body(res)
    assert pending["says"] == "Valid: every check passed." and pending["decided_by"] is None
    token = sent_mail()[-1]["body"].split("?token=")[1].split('"')[0]
    assert post(client, f"/imports/{pending['id']}", None, {"token": token}).status_code == 200
    post(client, f"/credentials/{cid}/revoke", key, {"reason": "Exam misconduct", "suppress_email": True})
    again = body(post(client, f"/imports/{pending['id']}/verify", None, b""))
    assert again["result"] == "revoked" and again["decided_by"] == "revocation"
    assert again["says"] == "Revoked: The issuer has withdrawn (revoked) this badge."
    _words_on_every_check(again)

    # a report kept before rule 7 (no words stored) is shown with them
    item = import_store.get(pending["id"])
    old = {**item.report, "checks": [{k: v for k, v in c.items() if k != "says"} for c in item.report["checks"]]}
    old.pop("says")
    old.pop("decided_by")
    import_store.record_check(item, old, item.last_verified_at)
    shown = body(client.http.get(f"/imports/{pending['id']}", headers={"Accept": "application/json"}))
    assert shown["says"] == again["says"] and shown["decided_by"] == "revocation"
    assert [c["says"] for c in shown["checks"]] == [c["says"] for c in again["checks"]]
    html = client.http.get(f"/imports/{pending['id']}").body.decode()
    assert '<p class="verdict">Revoked: The issuer has withdrawn (revoked) this badge.</p>' in html
