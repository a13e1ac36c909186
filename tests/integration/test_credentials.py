"""Issue, claim (accept / reject), re-send, revoke: the credential lifecycle end to end."""

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.store.models import CredentialItem
from tests.conftest import body, scan_table, sent_mail
from tests.helpers import active_template, auth, claim_token_from, issue, new_issuer, post

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture()
def issuer(client):
    tenant, key = new_issuer()
    return tenant, key, active_template(client, key)


def _issue(client, issuer, **extra):
    _, key, tpl = issuer
    res = issue(client, key, tpl, **extra)
    assert res.status_code == 201, res.body
    return body(res)


def _token(cred_id):
    return claim_token_from(sent_mail()[-1]["body"], cred_id)


def test_issue_sends_claim_mail_and_stores_snapshot(client, issuer):
    cred = _issue(client, issuer, evidence=[{"url": "https://lms.example/x", "narrative": "Capstone"}],
                  earner_id="emp-7")
    assert cred["status"] == "pending"
    assert cred["recipient"] == {"email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper",
                                 "earner_id": "emp-7"}
    assert cred["badge"]["name"] == "Data Steward" and cred["issuer"]["name"] == "Acme Academy"
    mails = sent_mail()
    assert len(mails) == 1 and mails[0]["to"] == ["grace@example.com"]
    assert "Acme Academy issued you a credential: Data Steward" == mails[0]["subject"]
    token = _token(cred["id"])
    stored = CredentialItem.get(*(f"T#{cred['id'].split('-')[0]}#C#{cred['id'].split('-')[1]}", "C"))
    assert token not in repr(stored.attribute_values)  # only the hash is kept
    _, key, tpl = issuer
    current = body(client.http.get(f"/templates/{tpl}", headers=auth(key)))
    assert stored.snapshot["template"]["version"] == current["version"]
    assert stored.snapshot["template"]["image_key"] in current["image_url"]


def test_snapshot_survives_template_and_issuer_edits(client, issuer):
    _, key, tpl = issuer
    cred = _issue(client, issuer)
    client.http.patch(f"/templates/{tpl}", headers=auth(key), body='{"name": "Renamed", "skills": ["Other"]}')
    client.http.patch("/issuer", headers=auth(key), body='{"name": "New Name Inc"}')
    post(client, f"/templates/{tpl}/archive", key, b"")
    again = body(client.http.get(f"/credentials/{cred['id']}", headers=auth(key)))
    assert again["badge"]["name"] == "Data Steward" and again["badge"]["skills"] == ["Data quality", "Governance"]
    assert again["issuer"]["name"] == "Acme Academy"


def test_suppress_email_sends_nothing(client, issuer):
    _issue(client, issuer, suppress_email=True)
    assert sent_mail() == []


def test_accept_through_the_html_form_then_page_is_public(client, issuer):
    cred = _issue(client, issuer)
    token = _token(cred["id"])
    assert client.http.get(f"/badges/{cred['id']}").status_code == 404
    page = client.http.get(f"/claim/{cred['id']}?token={token}")
    assert page.status_code == 200 and b"Accept credential" in page.body
    res = client.http.post(f"/claim/{cred['id']}", headers=FORM, body=f"token={token}&decision=accept")
    # issue 19: a page that offers to share, linking the public page, instead of a bare redirect
    assert res.status_code == 200 and f'href="https://laurel.test/badges/{cred["id"]}"'.encode() in res.body
    res = client.http.get(f"/badges/{cred['id']}")
    assert res.status_code == 200 and b"Valid" in res.body and b"Grace Hopper" in res.body


def test_claim_token_is_single_use(client, issuer):
    cred = _issue(client, issuer)
    token = _token(cred["id"])
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    replay = post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "reject"})
    assert replay.status_code == 410 and body(replay)["error"]["code"] == "claim_used"
    page = client.http.get(f"/claim/{cred['id']}?token={token}")
    assert page.status_code == 410 and b"cannot be used" in page.body
    assert body(client.http.get(f"/badges/{cred['id']}.json"))["status"] == "valid"


def test_reject_keeps_the_credential_private(client, issuer):
    cred = _issue(client, issuer)
    res = client.http.post(f"/claim/{cred['id']}", headers=FORM, body=f"token={_token(cred['id'])}&decision=reject")
    assert res.status_code == 200 and b"rejected" in res.body
    assert client.http.get(f"/badges/{cred['id']}").status_code == 404
    _, key, _ = issuer
    assert body(client.http.get(f"/credentials/{cred['id']}", headers=auth(key)))["status"] == "rejected"


def test_wrong_missing_or_expired_token_changes_nothing(client, issuer):
    cred = _issue(client, issuer)
    before = scan_table()
    for token, status, code in [("", 422, "validation_error"), ("a" * 32, 404, "claim_not_found"),
                                ("x" * 100, 404, "claim_not_found")]:
        res = post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
        assert (res.status_code, body(res)["error"]["code"]) == (status, code), (token, res.body)
    assert client.http.get(f"/claim/{cred['id']}?token=nope").status_code == 404
    assert client.http.get("/claim/not-an-id?token=nope").status_code == 404
    res = post(client, f"/claim/{cred['id']}", None, {"token": _token(cred["id"]), "decision": "maybe"})
    assert res.status_code == 422
    res = client.http.post(f"/claim/{cred['id']}", headers=FORM, body="decision=accept")
    assert res.status_code == 422 and b"<html" in res.body
    assert scan_table() == before

    # an expired link is refused with a clear answer
    for item in CredentialItem.scan(CredentialItem.sk == "C"):
        item.update(actions=[CredentialItem.claim_expires_at.set("2020-01-01T00:00:00Z")])
    res = post(client, f"/claim/{cred['id']}", None, {"token": _token(cred["id"]), "decision": "accept"})
    assert res.status_code == 410 and body(res)["error"]["code"] == "claim_expired"


def test_resend_issues_a_fresh_token_and_retires_the_old(client, issuer):
    _, key, _ = issuer
    cred = _issue(client, issuer)
    old = _token(cred["id"])
    res = post(client, f"/credentials/{cred['id']}/resend", key, b"")
    assert res.status_code == 200
    new = _token(cred["id"])
    assert new != old and len(sent_mail()) == 2
    assert post(client, f"/claim/{cred['id']}", None, {"token": old, "decision": "accept"}).status_code == 404
    assert post(client, f"/claim/{cred['id']}", None, {"token": new, "decision": "accept"}).status_code == 200
    res = post(client, f"/credentials/{cred['id']}/resend", key, b"")
    assert res.status_code == 409


def test_revoke_is_idempotent_final_and_shown_with_reason(client, issuer):
    _, key, _ = issuer
    cred = _issue(client, issuer)
    post(client, f"/claim/{cred['id']}", None, {"token": _token(cred["id"]), "decision": "accept"})
    res = post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "Exam <b>misconduct</b>"})
    assert res.status_code == 200 and body(res)["status"] == "revoked"
    assert len(sent_mail()) == 2 and "revoked" in sent_mail()[-1]["subject"]
    again = post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "Other reason"})
    assert again.status_code == 200 and body(again)["revocation_reason"] == "Exam <b>misconduct</b>"
    assert len(sent_mail()) == 2  # a repeat sends nothing
    page = client.http.get(f"/badges/{cred['id']}")
    assert page.status_code == 200 and b"Revoked" in page.body
    assert b"Exam &lt;b&gt;misconduct&lt;/b&gt;" in page.body
    data = body(client.http.get(f"/badges/{cred['id']}", headers={"Accept": "application/json"}))
    assert data["status"] == "revoked" and data["revocation_reason"] == "Exam <b>misconduct</b>"


def test_revoke_needs_a_reason_and_can_suppress_mail(client, issuer):
    _, key, _ = issuer
    cred = _issue(client, issuer, suppress_email=True)
    assert post(client, f"/credentials/{cred['id']}/revoke", key, {}).status_code == 422
    assert post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "  "}).status_code == 422
    res = post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "Wrong person", "suppress_email": True})
    assert res.status_code == 200 and sent_mail() == []
    # a revoked pending credential can no longer be claimed
    assert post(client, f"/credentials/{cred['id']}/resend", key, b"").status_code == 409


def test_rejected_credential_cannot_be_revoked(client, issuer):
    _, key, _ = issuer
    cred = _issue(client, issuer)
    post(client, f"/claim/{cred['id']}", None, {"token": _token(cred["id"]), "decision": "reject"})
    assert post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "x"}).status_code == 409


def test_duplicate_policies(client, issuer):
    _, key, tpl = issuer
    first = _issue(client, issuer)
    res = issue(client, key, tpl, email="GRACE@example.com ")
    assert res.status_code == 409 and body(res)["error"]["details"]["existing"] == [first["id"]]
    allowed = _issue(client, issuer, duplicate_policy="allow")
    replaced = _issue(client, issuer, duplicate_policy="replace")
    assert sorted(replaced["replaced"]) == sorted([first["id"], allowed["id"]])
    for old in (first, allowed):
        got = body(client.http.get(f"/credentials/{old['id']}", headers=auth(key)))
        assert got["status"] == "revoked" and replaced["id"] in got["revocation_reason"]
    # someone else may receive the same template
    assert issue(client, key, tpl, email="other@example.com").status_code == 201


def test_dates_template_policy_explicit_and_never(client, issuer):
    cred = _issue(client, issuer, issued_at="2025-01-31T10:00:00Z")
    assert cred["issued_at"] == "2025-01-31T10:00:00Z" and cred["expires_at"] == "2027-01-31T10:00:00Z"
    cred = _issue(client, issuer, expires_at="2030-06-30", duplicate_policy="allow")
    assert cred["expires_at"] == "2030-06-30T00:00:00Z"
    cred = _issue(client, issuer, expires_at=False, duplicate_policy="allow")
    assert cred["expires_at"] is None
    _, key, tpl = issuer
    future = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    res = issue(client, key, tpl, issued_at=future, duplicate_policy="allow")
    assert res.status_code == 422 and body(res)["error"]["code"] == "invalid_dates"
    res = issue(client, key, tpl, issued_at="2025-01-01", expires_at="2024-01-01", duplicate_policy="allow")
    assert res.status_code == 422


def test_expired_credential_is_still_shown_and_flagged(client, issuer):
    cred = _issue(client, issuer, issued_at="2020-01-01", expires_at="2021-01-01")
    post(client, f"/claim/{cred['id']}", None, {"token": _token(cred["id"]), "decision": "accept"})
    page = client.http.get(f"/badges/{cred['id']}")
    assert page.status_code == 200 and b"This credential expired" in page.body
    assert body(client.http.get(f"/badges/{cred['id']}.json"))["status"] == "expired"


def test_list_and_filter_credentials(client, issuer):
    _, key, tpl = issuer
    other_tpl = active_template(client, key, name="Other")
    a = _issue(client, issuer, email="a@example.com")
    b = _issue(client, issuer, email="b@example.com")
    c = body(issue(client, key, other_tpl, email="a@example.com"))
    post(client, f"/credentials/{b['id']}/revoke", key, {"reason": "x", "suppress_email": True})

    def ids(query):
        res = client.http.get(f"/credentials{query}", headers=auth(key))
        assert res.status_code == 200, res.body
        return sorted(i["id"] for i in body(res)["items"])

    assert ids("") == sorted([a["id"], b["id"], c["id"]])
    assert ids(f"?template_id={tpl}") == sorted([a["id"], b["id"]])
    assert ids("?status=revoked") == [b["id"]]
    assert ids("?email=A@Example.com") == sorted([a["id"], c["id"]])
    assert ids(f"?email=a@example.com&template_id={other_tpl}") == [c["id"]]
    assert ids("?email=nobody@example.com") == []
    assert client.http.get("/credentials?status=expired", headers=auth(key)).status_code == 400
    # pagination visits everything once
    seen, cursor = [], None
    while True:
        page = body(client.http.get("/credentials?limit=1" + (f"&cursor={cursor}" if cursor else ""), headers=auth(key)))
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == ids("")


# ------------------------------------------------------------------ odd input, refused mail, races


def test_overlong_claim_token_is_a_page_not_a_500(client, issuer):
    cred = _issue(client, issuer)
    res = client.http.get(f"/claim/{cred['id']}?token={'a' * 500}")
    assert res.status_code == 400 and b"<html" in res.body


@pytest.mark.parametrize("field, value", [
    ("issued_at", "0001-01-01T00:30:00+01:00"), ("expires_at", "9999-12-31T23:00:00-05:00"),
    ("issued_at", "0999-03-01"), ("email", "用户@example.com"), ("first_name", "Eve\r\nBcc: x@y.z"),
    ("last_name", "\x00"),
])
def test_out_of_range_dates_non_ascii_mail_and_control_characters_are_422(client, issuer, field, value):
    _, key, tpl = issuer
    res = issue(client, key, tpl, **{field: value})
    assert res.status_code == 422, res.body


def test_mail_refused_by_ses_is_reported_not_a_500(client, issuer):
    """SES (moto) refuses to send from an address that is not a verified identity:
    `MessageRejected`, as a sandboxed or misconfigured account answers."""
    import boto3

    from chalicelib.config import get_settings

    _, key, tpl = issuer
    ses, sender = boto3.client("sesv2", region_name="us-east-1"), get_settings().mail_from
    ses.delete_email_identity(EmailIdentity=sender)
    res = issue(client, key, tpl)
    assert res.status_code == 201 and body(res)["claim_mail_sent"] is False
    cid = body(res)["id"]
    res = post(client, f"/credentials/{cid}/resend", key, b"")
    assert res.status_code == 503 and body(res)["error"]["code"] == "mail_not_sent"
    assert sent_mail() == []
    ses.create_email_identity(EmailIdentity=sender)
    assert post(client, f"/credentials/{cid}/resend", key, b"").status_code == 200
    assert [m["to"] for m in sent_mail()] == [["grace@example.com"]]


def test_claim_answers_reveal_nothing_without_the_token(client, issuer):
    cred = _issue(client, issuer)
    token = _token(cred["id"])
    post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "reject"})
    wrong = post(client, f"/claim/{cred['id']}", None, {"token": "b" * 32, "decision": "accept"})
    assert wrong.status_code == 404 and b"reject" not in wrong.body
    replay = post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
    assert replay.status_code == 410 and body(replay)["error"]["code"] == "claim_used"


def test_deny_holds_even_when_the_index_lags(client, issuer, monkeypatch):
    from chalicelib.store import credentials as cred_store

    _, key, tpl = issuer
    monkeypatch.setattr(cred_store, "for_recipient", lambda *a, **k: [])  # a stale by_email index
    assert issue(client, key, tpl).status_code == 201
    res = issue(client, key, tpl)
    assert res.status_code == 409 and body(res)["error"]["code"] == "duplicate_credential"


def test_concurrent_issuance_of_the_same_credential_fails_one(client, issuer, monkeypatch):
    from chalicelib.store import credentials as cred_store

    _, key, tpl = issuer
    read = cred_store.issuance_context
    snapshots = []

    def racing_read(*args):
        # both requests read the slot before either writes: the second sees the first's snapshot
        template, issuer, slot, suppressed, language = read(*args)
        snapshots.append(slot)
        return template, issuer, snapshots[0], suppressed, language

    monkeypatch.setattr(cred_store, "issuance_context", racing_read)
    assert issue(client, key, tpl, duplicate_policy="allow").status_code == 201
    before = len([i for i in scan_table() if i["sk"] == "C"])
    res = issue(client, key, tpl, duplicate_policy="allow")
    assert res.status_code == 409 and body(res)["error"]["code"] == "concurrent_update"
    assert len([i for i in scan_table() if i["sk"] == "C"]) == before


def test_replace_refuses_more_than_one_transaction_can_hold(client, issuer, monkeypatch):
    from chalicelib.domain import credentials as rules

    _, key, tpl = issuer
    monkeypatch.setattr(rules, "MAX_REPLACED", 1)
    issue(client, key, tpl)
    issue(client, key, tpl, duplicate_policy="allow")
    before = scan_table()
    res = issue(client, key, tpl, duplicate_policy="replace")
    assert res.status_code == 409 and body(res)["error"]["code"] == "too_many_duplicates"
    assert scan_table() == before  # refused before anything is written (no status-list slot taken either)


def test_one_issuance_with_its_claim_mail_reads_the_organization_once(client, issuer):
    """The claim mail's branding comes from the profile issuance read already (in its
    one BatchGetItem): no second read of the profile. What one API issuance costs:
    the key, the context, the signature, the transaction, the mail, and its line in the
    credential's history written with the audit entry (one transaction: issue 13's "≤ 6")."""
    from tests.aws_calls import recording

    _issue(client, issuer, email="first@example.com")  # the first of a block of status indexes reserves it
    with recording() as calls:
        _issue(client, issuer, email="second@example.com")
    assert calls == ["dynamodb.GetItem", "dynamodb.BatchGetItem", "kms.Sign", "dynamodb.TransactWriteItems",
                     "sesv2.SendEmail", "dynamodb.TransactWriteItems"], calls
