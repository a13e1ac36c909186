"""The console's reports page (issue 15 item 3): who may ask for which export, what a
member without the personal-data grant gets, the job page's link and the mail."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlparse

import pytest

from chalicelib import i18n
from tests.conftest import body, list_bucket, scan_table, sent_mail
from tests.console_helpers import console_csrf, member, new_organization, sign_in
from tests.helpers import active_template, auth, issue, post
from tests.integration.test_exports import _zip, drain, fetch, rows_of


@pytest.fixture()
def org(client):
    tenant, key = new_organization()
    tpl = active_template(client, key)
    cid = body(issue(client, key, tpl, "grace@example.com"))["id"]
    admin = sign_in(client, "ada@acme.example")
    return {"tenant": tenant, "key": key, "tpl": tpl, "cid": cid, "admin": admin}


def ask(browser, **fields):
    res = browser.post("/console/reports", {"csrf": console_csrf(browser, "/console/reports"), **fields})
    return res


def job_page(browser, res):
    assert res.status_code == 303, res.body
    location = res.headers["Location"]
    assert re.fullmatch(r"/console/reports/[0-9]{14}[0-9a-f]{16}", location), location
    return location


def download_link(page_html: str) -> str:
    match = re.search(r'<a href="([^"]+)" download>', page_html)
    assert match, page_html
    return html.unescape(match.group(1))


def test_a_member_without_the_personal_data_grant_gets_masked_recipients(client, org):
    reader = member(client, org["tenant"], "rita@acme.example", "read_only", org["admin"])
    location = job_page(reader, ask(reader, kind="awards", template=org["tpl"]))
    drain(client)
    page = reader.text(reader.get(location))
    assert "Masked" in page
    rows = rows_of(fetch(download_link(page)))
    assert [(r["credential_id"], r["recipient_email"], r["recipient_name"]) for r in rows] == \
        [(org["cid"], "g***@example.com", "G. H.")]
    # the admin's copy names the recipient
    location = job_page(org["admin"], ask(org["admin"], kind="awards"))
    drain(client)
    rows = rows_of(fetch(download_link(org["admin"].text(org["admin"].get(location)))))
    assert (rows[0]["recipient_email"], rows[0]["recipient_name"]) == ("grace@example.com", "Grace Hopper")


def test_only_admins_export_the_organization_and_the_link_is_mailed_to_them(client, org):
    reader = member(client, org["tenant"], "rita@acme.example", "read_only", org["admin"],
                    view_personal_data="yes")
    before = [i for i in scan_table() if i["sk"].startswith("EXPORT#")]
    res = ask(reader, kind="organization")
    assert res.status_code == 403, res.body
    assert [i for i in scan_table() if i["sk"].startswith("EXPORT#")] == before
    assert "Organization export" not in reader.text(reader.get("/console/reports"))

    location = job_page(org["admin"], ask(org["admin"], kind="organization"))
    page = org["admin"].text(org["admin"].get(location))
    assert "Preparing" in page and 'hx-get="' + location + '?fragment=progress"' in page
    drain(client)
    mail = [m for m in sent_mail() if m["to"] == ["ada@acme.example"] and "export is ready" in m["subject"]]
    assert len(mail) == 1, [m["subject"] for m in sent_mail()]
    link = html.unescape(re.search(r'href="(https?://[^"]+X-Amz-Expires[^"]+)"', mail[0]["body"]).group(1))
    assert parse_qs(urlparse(link).query)["X-Amz-Expires"] == ["3600"]
    archive = _zip(fetch(link))
    members = json.loads(archive.read("members.json"))
    assert {m["email"] for m in members} == {"ada@acme.example", "rita@acme.example"}
    assert not [k for m in members for k in m if "session" in k]
    page = org["admin"].text(org["admin"].get(location))
    assert "Ready." in page and "hx-get" not in page.split('id="export-progress"')[1].split(">")[0]
    fragment = org["admin"].get(location + "?fragment=progress")
    assert fragment.status_code == 200 and download_link(org["admin"].text(fragment))


def test_a_members_jobs_are_their_own(client, org):
    location = job_page(org["admin"], ask(org["admin"], kind="awards"))
    other = member(client, org["tenant"], "ivy@acme.example", "issuer", org["admin"])
    assert other.get(location).status_code == 404
    assert location not in other.text(other.get("/console/reports"))
    listing = org["admin"].text(org["admin"].get("/console/reports"))
    assert location in listing and 'hx-get="/console/reports?fragment=jobs"' in listing
    # another organization's admin
    tenant_b, key_b = new_organization("Other Org", admin="bob@other.example")
    bob = sign_in(client, "bob@other.example")
    assert bob.get(location).status_code == 404
    # another organization's template
    tpl_b = active_template(client, key_b)
    assert ask(org["admin"], kind="awards", template=tpl_b).status_code == 404
    res = ask(org["admin"], kind="awards", **{"from": "2026-03-05", "to": "2026-03-01"})
    assert res.status_code in (400, 422), res.body


def test_the_forms_date_range_is_applied(client, org):
    later = job_page(org["admin"], ask(org["admin"], kind="awards", **{"from": "2099-01-01"}))
    drain(client)
    page = org["admin"].text(org["admin"].get(later))
    assert i18n.format_date("2099-01-01") in page and rows_of(fetch(download_link(page))) == []  # | date (issue 19)


def test_offboarding_deletes_the_export_jobs_and_their_files(client, org):
    from chalicelib.services import ops
    from tests.integration.test_offboarding import op

    job_page(org["admin"], ask(org["admin"], kind="awards"))
    drain(client)
    tenant = org["tenant"]
    assert [k for k in list_bucket() if k.startswith(f"exports/org/{tenant}/")]
    operator = ops.create_operator_key("tests")
    plan = body(client.http.post(f"/ops/issuers/{tenant}/offboarding", headers=op(operator)))
    assert plan["delete"]["export_jobs"]["count"] == 1
    res = client.http.post(f"/ops/issuers/{tenant}/offboarding/confirm", headers=op(operator),
                           body=json.dumps({"token": plan["confirmation"]["token"]}))
    assert res.status_code == 200, res.body
    assert body(res)["deleted"]["export_jobs"] == 1
    assert not [i for i in scan_table() if i["sk"].startswith("EXPORT#")]
    assert not [k for k in list_bucket() if k.startswith(f"exports/org/{tenant}/")]


def test_a_stalled_export_offers_to_try_again(client, org, monkeypatch):
    from datetime import timedelta

    import boto3

    from chalicelib.services import clock, exports

    location = job_page(org["admin"], ask(org["admin"], kind="awards"))
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="laurel-test-bulk")["QueueUrl"]
    for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]:  # lost, as to a dead-letter queue
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert "Try again" not in org["admin"].text(org["admin"].get(location))
    real_now = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: real_now() + timedelta(seconds=exports.STALLED_SECONDS))
    page = org["admin"].text(org["admin"].get(location))
    assert "Try again" in page
    res = org["admin"].post(location + "/resume", {"csrf": console_csrf(org["admin"], location), "confirm": "yes"})
    assert res.status_code == 303 and res.headers["Location"] == location
    drain(client)
    assert "Ready." in org["admin"].text(org["admin"].get(location))
