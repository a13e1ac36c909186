"""Mail that stays deliverable (issue 17, item 6): SES's bounce and complaint events reach
the MailEvents function through SNS; a permanent bounce or a complaint puts the address on
the suppression list and marks the credential the mail was about; Laurel mails a
suppressed address no more on any path; the issuer sees it and corrects the address.

Events are SES's event-publishing JSON ("eventType", "bounce.bounceType",
"bounce.bouncedRecipients", "complaint.complainedRecipients", "mail.tags"), wrapped in the
SNS record Lambda receives, and handed to the same registered handler a deployment runs
(`client.lambda_.invoke("MailEvents", ...)`)."""

from __future__ import annotations

import json

import pytest

from tests.aws_calls import requests
from tests.conftest import body, scan_table, sent_mail
from tests.helpers import Browser, active_template, auth, claim_token_from, issue, new_issuer, post

GRACE, ADA = "grace@example.com", "ada@example.org"


@pytest.fixture()
def issuer(client):
    _, key = new_issuer()
    return key, active_template(client, key)


def ses_event(kind: str, recipients: list[str], *, bounce_type: str = "Permanent", tags: dict | None = None) -> dict:
    """An SES event as its configuration set publishes it to SNS (the `Message` text)."""
    mail = {"timestamp": "2026-01-05T10:00:00.000Z", "source": "badges@laurel.test", "messageId": "0100-abc",
            "destination": recipients, "tags": {"ses:configuration-set": ["laurel-test"], **(tags or {})}}
    if kind == "Bounce":
        return {"eventType": "Bounce", "mail": mail,
                "bounce": {"bounceType": bounce_type, "bounceSubType": "General" if bounce_type == "Permanent"
                           else "MailboxFull", "timestamp": "2026-01-05T10:00:01.000Z", "feedbackId": "0100-fb",
                           "bouncedRecipients": [{"emailAddress": r, "action": "failed", "status": "5.1.1",
                                                  "diagnosticCode": "smtp; 550 5.1.1 user unknown"}
                                                 for r in recipients]}}
    return {"eventType": "Complaint", "mail": mail,
            "complaint": {"complainedRecipients": [{"emailAddress": r} for r in recipients],
                          "timestamp": "2026-01-05T10:00:01.000Z", "feedbackId": "0100-fb",
                          "complaintFeedbackType": "abuse"}}


def deliver(client, message) -> dict:
    """SNS invoking the MailEvents function with one message (as it does: one record)."""
    text = message if isinstance(message, str) else json.dumps(message)
    event = client.events.generate_sns_event(message=text, subject="")
    return client.lambda_.invoke("MailEvents", event).payload


def tags_of(credential: dict) -> dict:
    return {"credential": [credential["id"]], "tenant": [credential["id"].split("-")[0]]}


def issued(client, issuer, email: str = GRACE) -> dict:
    res = issue(client, issuer[0], issuer[1], email=email)
    assert res.status_code == 201, res.body
    return body(res)


def suppressed_hashes() -> set[str]:
    return {i["pk"].split("#", 1)[1] for i in scan_table() if i["pk"].startswith("SUPPRESS#")}


def to(address: str) -> list[dict]:
    return [m for m in sent_mail() if address in m["to"]]


# ------------------------------------------------------------------ the send carries the tags


def test_a_mail_about_a_credential_carries_ses_tags_naming_it_and_its_tenant(client, issuer):
    with requests() as calls:
        credential = issued(client, issuer)
    sends = [c.params for c in calls if c.name == "sesv2.SendEmail"]
    assert len(sends) == 1
    assert sends[0]["EmailTags"] == [{"Name": "credential", "Value": credential["id"]},
                                     {"Name": "tenant", "Value": credential["id"].split("-")[0]}]


# ------------------------------------------------------------------ bounce, complaint, transient


def test_a_permanent_bounce_suppresses_the_address_and_the_next_mail_is_not_sent_but_recorded(client, issuer):
    from chalicelib.domain.ids import email_hash

    credential = issued(client, issuer)
    result = deliver(client, ses_event("Bounce", [GRACE], tags=tags_of(credential)))
    assert result["suppressed"] == 1 and result["credential_marked"] is True
    assert suppressed_hashes() == {email_hash(GRACE)}
    entries = [i for i in scan_table() if i["pk"].startswith("SUPPRESS#")]
    assert GRACE not in json.dumps(entries, default=str)  # the list holds the hash, not the address
    assert [(e["reason"], e["detail"]) for e in entries] == [("bounce", "General")]

    view = body(client.http.get(f"/credentials/{credential['id']}", headers=auth(issuer[0])))
    assert view["mail"]["status"] == "bounced"

    mails_before = len(to(GRACE))
    res = post(client, f"/credentials/{credential['id']}/revoke", issuer[0], {"reason": "Issued by mistake"})
    assert res.status_code == 200, res.body
    assert body(res)["notice_mail_sent"] is False  # a courtesy mail: skipped, the revocation stands
    assert len(to(GRACE)) == mails_before
    from chalicelib.store.credentials import get

    log = get(credential["id"]).mail_log
    assert [(e.kind, e.ok, e.suppressed) for e in log] == [("claim", True, None), ("revoked", False, True)]


def test_a_resent_claim_link_to_a_suppressed_address_is_409_and_changes_nothing(client, issuer):
    credential = issued(client, issuer)
    deliver(client, ses_event("Bounce", [GRACE], tags=tags_of(credential)))
    before = scan_table()
    res = post(client, f"/credentials/{credential['id']}/resend", issuer[0], b"")
    assert res.status_code == 409, res.body
    assert body(res)["error"]["code"] == "address_suppressed"
    assert scan_table() == before
    assert len(to(GRACE)) == 1


def test_a_complaint_suppresses_and_marks_the_credential_complained(client, issuer):
    from chalicelib.domain.ids import email_hash

    credential = issued(client, issuer)
    assert deliver(client, ses_event("Complaint", [GRACE], tags=tags_of(credential)))["suppressed"] == 1
    assert suppressed_hashes() == {email_hash(GRACE)}
    view = body(client.http.get(f"/credentials/{credential['id']}", headers=auth(issuer[0])))
    assert view["mail"]["status"] == "complained"
    # the next issuance to the address: the credential is issued, its claim mail is not sent
    other = active_template(client, issuer[0], name="Cloud Basics")
    res = issue(client, issuer[0], other, email=GRACE)
    assert res.status_code == 201 and body(res)["claim_mail_sent"] is False
    assert len(to(GRACE)) == 1


def test_a_transient_bounce_suppresses_nothing_and_the_next_mail_goes(client, issuer):
    credential = issued(client, issuer)
    before = scan_table()
    result = deliver(client, ses_event("Bounce", [GRACE], bounce_type="Transient", tags=tags_of(credential)))
    assert result["suppressed"] == 0 and result["credential_marked"] is False
    assert scan_table() == before
    res = post(client, f"/credentials/{credential['id']}/resend", issuer[0], b"")
    assert res.status_code == 200, res.body
    assert len(to(GRACE)) == 2


def test_a_sign_in_link_to_a_suppressed_address_is_409_and_stores_no_request(client):
    deliver(client, ses_event("Bounce", [GRACE]))
    before = scan_table()
    browser = Browser(client)
    res = browser.post("/signin", {"email": GRACE, "csrf": browser.csrf("/signin")})
    assert res.status_code == 409, res.body
    assert "bounced or was reported as spam" in browser.text(res)
    assert [i for i in scan_table() if i["pk"].startswith("LOGIN#")] == []
    assert [i for i in scan_table() if not i["pk"].startswith("RATE#")] == \
        [i for i in before if not i["pk"].startswith("RATE#")]
    assert to(GRACE) == []


def test_every_courtesy_and_required_mail_skips_a_suppressed_address(client):
    """Every send_* of services/notify.py, per kind: courtesy ones return False and send
    nothing, required ones raise 409 address_suppressed (after a permanent bounce; after a
    complaint the mail the person asks for still goes: the test below)."""
    from chalicelib.domain.errors import AddressSuppressed
    from chalicelib.services import notify

    deliver(client, ses_event("Bounce", [GRACE]))
    window = {"start": "2026-01-05T10:00Z", "end": "2026-01-05T11:00Z", "reason": "upgrade"}
    request = {"id": "0123456789abcdef", "subject": "Help", "body": "text", "status": "open", "messages": []}
    courtesy = {
        "retake": lambda: notify.send_retake(GRACE, "Grace", "Data Steward", "Try again", "80"),
        "report": lambda: notify.send_report(GRACE, link="https://x.test/r", minutes=60, page="/p", what="r"),
        "summary": lambda: notify.send_monthly_summary(GRACE, organization="Acme", month="2026-01", figures={}),
        "maintenance": lambda: notify.send_maintenance(GRACE, window, "Declared"),
        "status_confirm": lambda: notify.send_status_confirmation(GRACE, "https://x.test/c"),
    }
    for name, send in courtesy.items():
        assert send() is False, name
    required = {
        "signin": lambda: notify.send_signin(GRACE, "https://x.test/l", "123456", 15, adding=False),
        "import": lambda: notify.send_import_confirmation(GRACE, "Badge", "Org", "https://x.test/i", 48),
        "export": lambda: notify.send_export(GRACE, "https://x.test/e", 60),
    }
    for name, send in required.items():
        with pytest.raises(AddressSuppressed):
            send()
    assert to(GRACE) == []
    # the same calls to an address that is not suppressed do send (the test would pass vacuously otherwise)
    assert notify.send_status_confirmation(ADA, "https://x.test/c") is True
    assert len(to(ADA)) == 1


# ------------------------------------------------------------------ forged and malformed events


@pytest.mark.parametrize("message", [
    "not json", "[]", "{}", "null", json.dumps({"eventType": "Delivery", "mail": {}}),
    json.dumps({"eventType": "Bounce", "mail": {}}),
    json.dumps({"eventType": "Bounce", "bounce": {"bounceType": "Permanent", "bouncedRecipients": "x"}}),
    json.dumps({"eventType": "Bounce", "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": 7}]}}),
    json.dumps({"eventType": "Complaint", "complaint": {"complainedRecipients": [{}]}}),
    json.dumps({"eventType": "Bounce", "bounce": {"bounceType": "Permanent",
                                                  "bouncedRecipients": [{"emailAddress": "a@b.c"}] * 51}}),
    "x" * 300_000,
])
def test_a_malformed_message_changes_nothing_and_raises_nothing(client, issuer, message):
    issued(client, issuer)
    before = scan_table()
    assert deliver(client, message) == {"ignored": True}
    assert scan_table() == before


def test_tags_naming_another_tenants_credential_or_another_address_mark_nothing(client, issuer):
    credential = issued(client, issuer)
    other_tenant, _ = new_issuer("Other")
    forged = {"credential": [credential["id"]], "tenant": [other_tenant]}
    assert deliver(client, ses_event("Bounce", [ADA], tags=forged))["credential_marked"] is False
    # the right tags, but the bounced address is not the credential's: only that address is suppressed
    assert deliver(client, ses_event("Bounce", [ADA], tags=tags_of(credential)))["credential_marked"] is False
    view = body(client.http.get(f"/credentials/{credential['id']}", headers=auth(issuer[0])))
    assert view["mail"] == {"status": "ok", "at": None}
    # an unknown credential id in the tags: nothing is created
    ghost = {"credential": [credential["id"][:-4] + "aaaa"], "tenant": [credential["id"].split("-")[0]]}
    before = scan_table()
    assert deliver(client, ses_event("Bounce", [ADA], tags=ghost))["credential_marked"] is False
    assert scan_table() == before


def test_a_repeated_event_is_idempotent(client, issuer):
    credential = issued(client, issuer)
    deliver(client, ses_event("Bounce", [GRACE], tags=tags_of(credential)))
    after_first = scan_table()
    again = deliver(client, ses_event("Bounce", [GRACE], tags=tags_of(credential)))
    assert again["suppressed"] == 0 and again["credential_marked"] is False
    assert scan_table() == after_first


# ------------------------------------------------------------------ the issuer corrects the address


def correct(client, key: str, credential_id: str, email):
    return client.http.put(f"/credentials/{credential_id}/recipient", headers=auth(key),
                           body=json.dumps({"email": email}))


def test_the_issuer_corrects_a_bounced_address_and_the_claim_mail_goes_to_the_new_one(client, issuer):
    from chalicelib.domain.ids import email_hash
    from chalicelib.store.credentials import for_recipient

    credential = issued(client, issuer)
    old_token = claim_token_from(to(GRACE)[0]["body"], credential["id"])
    deliver(client, ses_event("Bounce", [GRACE], tags=tags_of(credential)))
    res = correct(client, issuer[0], credential["id"], "  Ada@Example.org ")
    assert res.status_code == 200, res.body
    view = body(res)
    assert view["recipient"]["email"] == ADA and view["mail"]["status"] == "ok" and view["claim_mail_sent"] is True
    assert len(to(ADA)) == 1
    new_token = claim_token_from(to(ADA)[0]["body"], credential["id"])
    # the old address stays suppressed; the wallet index follows the address
    assert suppressed_hashes() == {email_hash(GRACE)}
    tenant = credential["id"].split("-")[0]
    assert [c.credential_id for c in for_recipient(tenant, email_hash(ADA))] == [credential["id"]]
    assert for_recipient(tenant, email_hash(GRACE)) == []
    # the Open Badges documents name the new address (salted hash), not the old one
    from chalicelib.openbadges.ob2 import hashed_email
    from chalicelib.store.credentials import get

    item = get(credential["id"])
    assert item.ob3["credentialSubject"]["identifier"][0]["identityHash"] == hashed_email(ADA, item.recipient_salt)
    # the old link no longer claims it, the new one does
    assert post(client, f"/claim/{credential['id']}", None, {"token": old_token, "decision": "accept"}).status_code \
        in (400, 403, 404, 409, 410)
    res = post(client, f"/claim/{credential['id']}", None, {"token": new_token, "decision": "accept"})
    assert res.status_code == 200, res.body
    # the old address can be issued the same template again (deny does not count the corrected credential)
    assert issue(client, issuer[0], issuer[1], email=GRACE).status_code == 201


def test_a_correction_is_audited(client, issuer):
    credential = issued(client, issuer)
    assert correct(client, issuer[0], credential["id"], ADA).status_code == 200
    audit = [i for i in scan_table() if i["pk"].endswith("#AUDIT")]
    assert any("/recipient" in json.dumps(i, default=str) for i in audit), audit


def test_correction_attacker_and_state_paths_change_nothing(client, issuer):
    credential = issued(client, issuer)
    other_key = new_issuer("Other")[1]
    other_template = active_template(client, other_key)
    theirs = body(issue(client, other_key, other_template, email="someone@example.net"))
    before = scan_table()
    mails = len(sent_mail())
    # another tenant's credential: 404, as if it did not exist
    res = correct(client, issuer[0], theirs["id"], ADA)
    assert res.status_code == 404, res.body
    # bad input: 422 (unknown field, no address, not an address, too long)
    for payload in ({"email": ADA, "x": 1}, {}, {"email": "not-an-address"}, {"email": "a" * 320 + "@x.org"}):
        res = client.http.put(f"/credentials/{credential['id']}/recipient", headers=auth(issuer[0]),
                              body=json.dumps(payload))
        assert res.status_code in (400, 422), (payload, res.body)
    # the same address: 409
    assert correct(client, issuer[0], credential["id"], GRACE).status_code == 409
    # a suppressed new address: 409 address_suppressed
    deliver(client, ses_event("Complaint", ["mallory@example.com"]))
    before = scan_table()
    res = correct(client, issuer[0], credential["id"], "mallory@example.com")
    assert res.status_code == 409 and body(res)["error"]["code"] == "address_suppressed", res.body
    # no key: 401
    assert client.http.put(f"/credentials/{credential['id']}/recipient", body=json.dumps({"email": ADA}),
                           headers={"Content-Type": "application/json"}).status_code == 401
    assert [i for i in scan_table() if "AUDIT" not in i["pk"]] == [i for i in before if "AUDIT" not in i["pk"]]
    assert len(sent_mail()) == mails


def test_an_accepted_credential_cannot_be_readdressed(client, issuer):
    credential = issued(client, issuer)
    token = claim_token_from(to(GRACE)[0]["body"], credential["id"])
    assert post(client, f"/claim/{credential['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    before = scan_table()
    res = correct(client, issuer[0], credential["id"], ADA)
    assert res.status_code == 409 and body(res)["error"]["code"] == "invalid_state", res.body
    assert [i for i in scan_table() if "AUDIT" not in i["pk"]] == [i for i in before if "AUDIT" not in i["pk"]]


def test_a_correction_to_an_address_that_holds_this_credential_is_refused(client, issuer):
    credential = issued(client, issuer)
    issued(client, issuer, email=ADA)
    res = correct(client, issuer[0], credential["id"], ADA)
    assert res.status_code == 409 and body(res)["error"]["code"] == "duplicate_credential", res.body


# ------------------------------------------------------------------ the console


def test_the_console_correction_needs_the_resend_right_and_personal_data(client):
    from tests.console_helpers import console_csrf, member, new_organization, sign_in

    tenant_id, key = new_organization("Acme Academy", "boss@acme.example")
    admin = sign_in(client, "boss@acme.example")
    template = active_template(client, key)
    credential = body(issue(client, key, template, email=GRACE))
    deliver(client, ses_event("Bounce", [GRACE], tags=tags_of(credential)))
    page = admin.text(admin.get(f"/console/credentials/{credential['id']}"))
    assert "Mail to the recipient bounced" in page and "Correct the recipient" in page
    reader = member(client, tenant_id, "reader@acme.example", "read_only", admin)
    page = reader.text(reader.get(f"/console/credentials/{credential['id']}"))
    assert "Mail to the recipient bounced" in page and "Correct the recipient" not in page
    before = [i for i in scan_table() if "AUDIT" not in i["pk"]]
    res = reader.post(f"/console/credentials/{credential['id']}/recipient",
                      {"email": ADA, "csrf": console_csrf(reader)})
    assert res.status_code == 403, res.body
    assert [i for i in scan_table() if "AUDIT" not in i["pk"] and not i["pk"].startswith(("CSESSION#", "RATE#"))] \
        == [i for i in before if not i["pk"].startswith(("CSESSION#", "RATE#"))]
    res = admin.post(f"/console/credentials/{credential['id']}/recipient", {"email": ADA, "csrf": console_csrf(admin)})
    assert res.status_code == 303 and res.headers["Location"].endswith("?done=corrected"), res.body
    assert len(to(ADA)) == 1


# ------------------------------------------------------------------ bulk issuance


def test_a_bulk_job_issues_to_a_suppressed_address_but_mails_only_the_others(client, issuer):
    """The bulk worker checks a chunk's claim mails against the list in one BatchGetItem."""
    from chalicelib.store.credentials import get
    from tests.integration.test_bulk import csv_body, drain, job, submit

    deliver(client, ses_event("Bounce", ["p1@example.com"]))
    res = submit(client, issuer[0], csv_body(issuer[1], 3), query="")
    with requests() as calls:
        drain(client)
    assert job(client, issuer[0], body(res)["id"])["issued"] == 3
    assert sorted(m["to"][0] for m in sent_mail()) == ["p0@example.com", "p2@example.com"]
    suppression_reads = [c for c in calls if "SUPPRESS#" in json.dumps(c.params, default=str)]
    assert [c.name for c in suppression_reads] == ["dynamodb.BatchGetItem"]
    # each of the 3 addresses: its suppression item and its owner's item (issue 19: the owner's language)
    read_keys = suppression_reads[0].params["RequestItems"]["laurel-test"]["Keys"]
    assert sorted(k["pk"]["S"].split("#")[0] for k in read_keys) == ["EMAIL"] * 3 + ["SUPPRESS"] * 3
    suppressed_logs = [e for i in scan_table() if i["sk"] == "C"
                       for e in get(i["credential_id"]).mail_log or [] if e.suppressed]
    assert len(suppressed_logs) == 1


def test_a_complaint_does_not_lock_the_owner_out_of_signing_in_but_a_bounce_does(client):
    """Anyone can make Laurel mail any address (a sign-in request), and the owner's natural
    "report spam" on that unsolicited mail is a complaint: that must not lock the owner out.
    A complaint stops the mail nobody asked for (courtesy mail); a sign-in link the person
    asks for now still goes. A permanent bounce (the mailbox does not exist) stops it too."""
    deliver(client, ses_event("Complaint", [GRACE]))
    assert suppressed_hashes()  # the complaint is on the list: courtesy mail stops
    browser = Browser(client)
    res = browser.post("/signin", {"email": GRACE, "csrf": browser.csrf("/signin")})
    assert res.status_code == 200, res.body
    assert len(to(GRACE)) == 1 and "sign-in" in to(GRACE)[0]["subject"].lower()
    from chalicelib.services import notify

    assert notify.send_status_confirmation(GRACE, "https://x.test/c") is False  # courtesy mail: stopped
    assert len(to(GRACE)) == 1
    other = "ada@example.com"
    deliver(client, ses_event("Bounce", [other]))
    res = browser.post("/signin", {"email": other, "csrf": browser.csrf("/signin")})
    assert res.status_code == 409, res.body
    assert to(other) == []
