"""Mail, issue 19 item 5 and the issue request's `locale`: every mail has an HTML part
laid out for a phone and a plain-text part; reminders (and only they) carry RFC 8058's
one-click unsubscribe, whose signed link unsubscribes on POST, never on GET, and never
stops essential mail; a claim mail says when the credential has already expired; a
credential's mails are in its `locale` (API, bulk CSV `Locale` column, LMS rule)."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import boto3
import pytest

from chalicelib.domain.webhooks import signature_header
from chalicelib.services import expiry
from chalicelib.services.clock import utcnow
from tests.aws_calls import requests
from tests.conftest import body, scan_table, sent_mail
from tests.helpers import active_template, auth, claim_token_from, issue, new_issuer, post, run_events_queue

BULK_QUEUE = "laurel-test-bulk"


@pytest.fixture()
def org(client):
    _, key = new_issuer()
    return key, active_template(client, key)


def _sent(calls) -> list[dict]:
    return [c.params for c in calls if c.name == "sesv2.SendEmail"]


def _parts(request: dict) -> tuple[str, str]:
    simple = request["Content"]["Simple"]
    return simple["Body"]["Html"]["Data"], simple["Body"]["Text"]["Data"]


def _headers(request: dict) -> dict:
    return {h["Name"]: h["Value"] for h in request["Content"]["Simple"].get("Headers", [])}


def _accepted(client, key, tpl, email, **extra) -> dict:
    res = issue(client, key, tpl, email=email, **extra)
    assert res.status_code == 201, res.body
    cred = body(res)
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    return cred


def _reminder(client, key, tpl, email="soon@example.com", day: int = 0) -> tuple[dict, dict]:
    """A credential expiring in 30 days from `day` days on, swept that day: its reminder's SendEmail request."""
    cred = _accepted(client, key, tpl, email, expires_at=(utcnow().date() + timedelta(days=30 + day)).isoformat())
    expiry.sweep(utcnow().date() + timedelta(days=day))
    with requests() as calls:
        run_events_queue(client)
    [request] = _sent(calls)
    return cred, request


def _unsubscribe_url(request: dict) -> str:
    return _headers(request)["List-Unsubscribe"].strip("<>")


def _path(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


# ------------------------------------------------------------------ layout and parts


def test_the_claim_mail_has_a_phone_layout_a_text_part_and_no_unsubscribe(client, org):
    key, tpl = org
    with requests() as calls:
        cred = body(issue(client, key, tpl, email="grace@example.com"))
    [request] = _sent(calls)
    html, text = _parts(request)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "max-width:600px" in html and 'role="presentation"' in html
    assert f"/claim/{cred['id']}?token=" in html and f"/claim/{cred['id']}?token=" in text
    assert "<" not in text.replace("<https", "")  # the text part is text, not markup
    # essential mail: nothing to unsubscribe from
    assert "List-Unsubscribe" not in _headers(request) and "unsubscribe" not in html.lower()


# ------------------------------------------------------------------ one-click unsubscribe


def test_a_reminder_carries_rfc_8058_headers_and_a_visible_link(client, org):
    key, tpl = org
    _, request = _reminder(client, key, tpl)
    headers = _headers(request)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = _unsubscribe_url(request)
    assert url.startswith("https://") and "/mail/unsubscribe?token=" in url, url
    html, text = _parts(request)
    assert f'href="{url}"' in html.replace("&amp;", "&") and url in text
    assert '<meta name="viewport"' in html


def test_one_click_post_stops_the_next_reminder_but_not_a_resent_claim_link(client, org):
    key, tpl = org
    _, request = _reminder(client, key, tpl)
    url = _unsubscribe_url(request)
    # a mail client's RFC 8058 POST: no sign-in, the body says One-Click
    res = client.http.post(_path(url), body=b"List-Unsubscribe=One-Click",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert res.status_code == 200, res.body
    assert any(i["pk"].startswith("MAILOPTOUT#") for i in scan_table())
    # the next reminder (another credential to the same address, swept the next day) is not sent ...
    later = _accepted(client, key, tpl, "soon@example.com", duplicate_policy="allow",
                      expires_at=(utcnow().date() + timedelta(days=31)).isoformat())
    before = len(sent_mail())
    assert expiry.sweep(utcnow().date() + timedelta(days=1))["reminders"] == 1
    handled = run_events_queue(client)
    assert [m["mail"]["credential_id"] for m, ok in handled if "mail" in m and ok] == [later["id"]]
    assert len(sent_mail()) == before, [m["subject"] for m in sent_mail()[before:]]
    # ... while essential mail still goes: a re-sent claim link
    pending = body(issue(client, key, tpl, email="soon@example.com", duplicate_policy="allow", suppress_email=True))
    res = client.http.post(f"/credentials/{pending['id']}/resend", headers=auth(key))
    assert res.status_code == 200, res.body
    assert sent_mail()[-1]["to"] == ["soon@example.com"] and f"/claim/{pending['id']}" in sent_mail()[-1]["body"]


def test_get_shows_a_button_and_does_not_unsubscribe_and_the_page_resubscribes(client, org):
    key, tpl = org
    _, request = _reminder(client, key, tpl)
    path = _path(_unsubscribe_url(request))
    before = scan_table()
    page = client.http.get(path)  # what a mail scanner's prefetch does
    assert page.status_code == 200 and 'method="post"' in page.body.decode()
    assert "Unsubscribe from reminders" in page.body.decode()
    assert scan_table() == before
    assert client.http.post(path).status_code == 200
    assert client.http.get(path).body.decode().count("Get reminders again") == 1
    resubscribe = path.replace("/mail/unsubscribe", "/mail/resubscribe")
    assert client.http.post(resubscribe).status_code == 200
    assert not any(i["pk"].startswith("MAILOPTOUT#") for i in scan_table())


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature tampered with
    lambda t: "ImZvcmdlZCI.abcdefghijklmnopqrstuvwxyz0",  # a made-up token
    lambda t: t.split(".")[0],  # no signature
])
def test_a_forged_or_tampered_token_changes_nothing(client, org, mangle):
    key, tpl = org
    _, request = _reminder(client, key, tpl)
    token = _unsubscribe_url(request).split("token=", 1)[1]
    before = scan_table()
    for method, route in (("POST", "/mail/unsubscribe"), ("GET", "/mail/unsubscribe"), ("POST", "/mail/resubscribe")):
        res = getattr(client.http, method.lower())(f"{route}?token={mangle(token)}")
        assert res.status_code == 400, (method, route, res.status_code)
    assert client.http.post("/mail/unsubscribe").status_code == 400  # no token at all
    assert scan_table() == before


def test_a_token_for_another_address_does_not_unsubscribe_this_one(client, org):
    key, tpl = org
    _, mine = _reminder(client, key, tpl, "mine@example.com")
    client.http.post(_path(_unsubscribe_url(mine)))
    _, theirs = _reminder(client, key, tpl, "theirs@example.com", day=1)  # still mailed
    assert theirs["Destination"]["ToAddresses"] == ["theirs@example.com"]


# ------------------------------------------------------------------ already expired


def test_the_claim_mail_says_when_the_credential_has_already_expired(client, org):
    key, tpl = org
    with requests() as calls:
        res = issue(client, key, tpl, email="late@example.com", issued_at="2020-01-01", expires_at="2021-06-30")
    assert res.status_code == 201, res.body
    [request] = _sent(calls)
    html, text = _parts(request)
    for part in (html, text):
        assert "already expired" in part and "June 30, 2021" in part, part
    assert "already expired" in request["Content"]["Simple"]["Subject"]["Data"]
    with requests() as calls:  # a credential still valid says nothing of the kind
        issue(client, key, tpl, email="fresh@example.com")
    [request] = _sent(calls)
    assert "already expired" not in "".join(_parts(request))


# ------------------------------------------------------------------ locale


@pytest.mark.parametrize("tag", ["ja", "pt-BR"])
def test_the_claim_mail_is_in_the_credentials_locale(client, org, tag):
    key, tpl = org
    res = issue(client, key, tpl, email="yuki@example.com", locale=tag)
    assert res.status_code == 201, res.body
    cred = body(res)
    assert cred["locale"] == tag
    assert body(client.http.get(f"/credentials/{cred['id']}", headers=auth(key)))["locale"] == tag
    [stored] = [i for i in scan_table() if i["sk"] == "C" and i["credential_id"] == cred["id"]]
    assert stored["locale"] == tag
    assert f'<html lang="{tag}">' in sent_mail()[-1]["body"]


def test_a_credential_without_locale_is_mailed_in_english_whatever_the_issuers_language(client, org):
    key, tpl = org
    res = issue(client, key, tpl, email="ann@example.com")
    assert body(res)["locale"] is None
    assert '<html lang="en">' in sent_mail()[-1]["body"]


@pytest.mark.parametrize("tag", ["not a locale", "e", "en-", "de_DE!"])
def test_a_malformed_locale_is_refused_and_nothing_is_stored(client, org, tag):
    key, tpl = org
    before, mails = scan_table(), len(sent_mail())
    res = issue(client, key, tpl, email="bad@example.com", locale=tag)
    assert res.status_code in (400, 422), res.body
    err = body(res)["error"]
    assert any(d["field"] == "locale" and "language tag" in d["problem"] for d in err["details"]), err
    assert scan_table() == before and len(sent_mail()) == mails


def test_the_openapi_description_has_the_locale_field(client):
    spec = body(client.http.get("/openapi.json"))
    text = json.dumps(spec)
    assert '"locale"' in text


def _submit(client, key, data: bytes, query="?mode=valid_rows"):
    return client.http.post(f"/bulk-jobs{query}", headers={**auth(key), "Content-Type": "text/csv"}, body=data)


def _drain(client) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=BULK_QUEUE)["QueueUrl"]
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5).get("Messages", []):
        event = client.events.generate_sqs_event(message_bodies=[m["Body"] for m in got], queue_name=BULK_QUEUE)
        assert client.lambda_.invoke("bulk_worker", event).payload == {"batchItemFailures": []}
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_the_bulk_locale_column_is_stored_and_a_bad_value_is_that_rows_error(client, org):
    key, tpl = org
    csv = (f"email,first_name,last_name,template_id,Locale\n"
           f"a@example.com,A,One,{tpl},fr-CA\n"
           f"b@example.com,B,Two,{tpl},not a locale\n"
           f"c@example.com,C,Three,{tpl},\n").encode()
    created = body(_submit(client, key, csv))
    assert created["rejected"] == 1 and created["errors"][0]["row"] == 2, created
    assert any("locale" in line for line in created["errors"][0]["errors"]), created["errors"]
    _drain(client)
    by_email = {i["email"]: i for i in scan_table() if i["sk"] == "C"}
    assert sorted(by_email) == ["a@example.com", "c@example.com"]
    assert by_email["a@example.com"]["locale"] == "fr-CA" and "locale" not in by_email["c@example.com"]
    mails = {m["to"][0]: m["body"] for m in sent_mail()}
    assert '<html lang="fr">' in mails["a@example.com"] and '<html lang="en">' in mails["c@example.com"]


def test_all_or_nothing_bulk_refuses_the_file_for_a_bad_locale(client, org):
    key, tpl = org
    before = scan_table()
    res = _submit(client, key, f"email,first_name,last_name,template_id,locale\na@example.com,A,B,{tpl},??\n".encode(),
                  query="")
    assert res.status_code == 422 and body(res)["error"]["details"]["errors"][0]["row"] == 1
    assert scan_table() == before


def _lms(client, key, rules: dict) -> dict:
    res = post(client, "/integrations", key, {"name": "Academy LMS", "rules": rules})
    assert res.status_code == 201, res.body
    return body(res)


def _completion(client, integration: dict, score: int, event_id: str) -> dict:
    raw = json.dumps({"event": "course.completed", "event_id": event_id, "email": "lea@example.com",
                      "first_name": "Lea", "last_name": "Rner", "course_id": "cloud-101", "score": score}).encode()
    header = signature_header([integration["secret"].encode()], int(time.time()), raw)
    return body(client.http.post(f"/hooks/lms/{integration['id']}", body=raw,
                                 headers={"Content-Type": "application/json", "Laurel-Signature": header}))


def test_an_lms_rules_locale_is_the_credentials_and_its_mails(client, org):
    key, tpl = org
    integration = _lms(client, key, {"cloud-101": {"template_id": tpl, "locale": "ja"}})
    assert integration["rules"]["cloud-101"]["locale"] == "ja"
    assert _completion(client, integration, 50, "e1")["status"] == "retake"
    assert '<html lang="ja">' in sent_mail()[-1]["body"]  # the retake invitation
    done = _completion(client, integration, 95, "e2")
    assert done["status"] == "issued", done
    cred = body(client.http.get(f"/credentials/{done['credential_id']}", headers=auth(key)))
    assert cred["locale"] == "ja" and '<html lang="ja">' in sent_mail()[-1]["body"]


def test_an_lms_rule_with_a_malformed_locale_is_refused(client, org):
    key, tpl = org
    before = scan_table()
    res = post(client, "/integrations", key, {"name": "LMS", "rules": {"c": {"template_id": tpl, "locale": "!!"}}})
    assert res.status_code in (400, 422) and scan_table() == before
    assert "language tag" in json.dumps(body(res)), body(res)


def test_mail_someone_asks_for_is_in_the_requests_language(client):
    from tests.helpers import Browser

    visitor = Browser(client)
    csrf = visitor.csrf("/signin")
    res = visitor.post("/signin", {"email": "kei@example.com", "csrf": csrf}, headers={"Accept-Language": "ja"})
    assert res.status_code in (200, 303), res.body
    assert sent_mail()[-1]["to"] == ["kei@example.com"]
    assert re.search(r'<html lang="ja">', sent_mail()[-1]["body"])


def _earner_chooses(client, email: str, locale: str) -> None:
    """An earner who owns `email` and chose `locale` in their wallet settings (through the
    settings form: the setting lands on the earner and on every address-owner item)."""
    from tests.helpers import Browser, csrf_of, sign_in

    browser = Browser(client)
    sign_in(browser, email)
    csrf = csrf_of(browser.text(browser.get("/wallet/settings")))
    assert browser.post("/wallet/settings/language", {"locale": locale, "csrf": csrf}).status_code == 303


def test_the_earners_setting_beats_the_credentials_locale_at_no_extra_cost(client, org):
    # issue 19: "the language comes from the earner's setting, else the issue request's `locale`"
    key, tpl = org
    _earner_chooses(client, "yuki@example.com", "ja")
    assert issue(client, key, tpl, email="warm@example.com").status_code == 201  # keys and caches read once
    with requests() as with_setting:
        assert issue(client, key, tpl, email="yuki@example.com", locale="de").status_code == 201
    assert '<html lang="ja">' in sent_mail()[-1]["body"]
    with requests() as without_setting:
        assert issue(client, key, tpl, email="nobody@example.com", locale="de").status_code == 201
    assert '<html lang="de">' in sent_mail()[-1]["body"]
    # the owner's language comes in issuance's one BatchGetItem: no read of its own
    assert [c.name for c in with_setting] == [c.name for c in without_setting]
    owner_reads = [c for c in with_setting if c.name == "dynamodb.GetItem" and "EMAIL#" in str(c.params)]
    assert owner_reads == []
    [batch] = [c for c in with_setting if c.name == "dynamodb.BatchGetItem"]
    assert "EMAIL#" in str(batch.params)


def test_a_bulk_chunk_mails_each_owner_in_their_language(client, org):
    key, tpl = org
    _earner_chooses(client, "b@example.com", "pt_BR")
    csv = (f"email,first_name,last_name,template_id,Locale\n"
           f"a@example.com,A,One,{tpl},fr\n"
           f"b@example.com,B,Two,{tpl},fr\n").encode()
    assert body(_submit(client, key, csv))["rejected"] == 0
    _drain(client)
    mails = {m["to"][0]: m["body"] for m in sent_mail() if "/claim/" in m["body"]}
    assert '<html lang="fr">' in mails["a@example.com"]
    assert '<html lang="pt-BR">' in mails["b@example.com"]


def test_mail_to_someone_who_did_not_ask_is_not_in_the_senders_language(client, org):
    # second review: a Japanese operator's maintenance notice or a support copy went out in Japanese
    from chalicelib import i18n
    from chalicelib.services import notify

    window = {"start": "2026-12-05T01:00:00Z", "end": "2026-12-05T02:00:00Z", "reason": "database upgrade",
              "components": [], "id": "w1"}
    request = {"id": "abcdef1234567890", "subject": "Badge images", "severity": 3, "state": "open",
               "description": "Images do not load.", "history": []}
    _earner_chooses(client, "fr.admin@example.com", "fr")
    with i18n.using("ja"):
        assert notify.send_maintenance("admin@example.com", window, "declared")
        assert notify.send_support("support@example.com", request, "opened")
        assert notify.send_maintenance("fr.admin@example.com", window, "declared")
        assert i18n.current() == "ja"
    mails = {m["to"][0]: m["body"] for m in sent_mail()}
    assert '<html lang="en">' in mails["admin@example.com"]
    assert '<html lang="en">' in mails["support@example.com"]
    assert '<html lang="fr">' in mails["fr.admin@example.com"]  # a wallet's own setting
