"""The monthly summary mail (issue 15 item 3): admins who opt in on their account page
get last month's figures from the engagement counters on the 1st, once."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.conftest import body, sent_mail
from tests.console_helpers import console_csrf, member, new_organization, sign_in
from tests.helpers import active_template, issue
from tests.integration.test_console_credentials import _on
from tests.integration.test_engagement import aggregate, event_lines

SCHEDULED = {"version": "0", "id": "1", "detail-type": "Scheduled Event", "source": "aws.events",
             "account": "123456789012", "time": "2026-04-01T07:00:00Z", "region": "us-east-1",
             "resources": [], "detail": {}}


def summaries() -> list[dict]:
    return [m for m in sent_mail() if "your summary for" in m["subject"]]


def test_admins_who_opt_in_get_last_months_figures_once(client, capsys):
    tenant, key = new_organization()
    tpl = active_template(client, key)
    ada = sign_in(client, "ada@acme.example")
    grace = member(client, tenant, "grace@acme.example", "admin", ada)
    rita = member(client, tenant, "rita@acme.example", "read_only", ada)
    res = ada.post("/console/account/summary", {"csrf": console_csrf(ada, "/console/account"),
                                                "monthly_summary": "yes"})
    assert res.status_code == 303 and res.headers["Location"] == "/console/account?saved=summary"
    assert 'name="monthly_summary" value="yes" checked' in ada.text(ada.get("/console/account"))
    assert 'name="monthly_summary"' in grace.text(grace.get("/console/account"))  # offered, not ticked
    assert 'name="monthly_summary"' not in rita.text(rita.get("/console/account"))
    assert rita.post("/console/account/summary", {"csrf": console_csrf(rita, "/console/account"),
                                                  "monthly_summary": "yes"}).status_code == 403
    capsys.readouterr()
    with _on(datetime(2026, 3, 10, 9, tzinfo=timezone.utc)):
        for n in range(3):
            assert issue(client, key, tpl, f"p{n}@example.com").status_code == 201
        cid = body(issue(client, key, tpl, "gone@example.com"))["id"]
        from tests.helpers import post

        assert post(client, f"/credentials/{cid}/revoke", key, {"reason": "x"}).status_code == 200
    with _on(datetime(2026, 4, 1, 9, tzinfo=timezone.utc)):
        assert issue(client, key, tpl, "april@example.com").status_code == 201  # not March's
    aggregate(client, event_lines(capsys))

    with _on(datetime(2026, 4, 1, 7, tzinfo=timezone.utc)):
        result = client.lambda_.invoke("monthly_summary", SCHEDULED).payload
        assert result == {"month": "2026-03", "sent": 1}
        again = client.lambda_.invoke("monthly_summary", SCHEDULED).payload
    assert again == {"month": "2026-03", "skipped": True}
    mails = summaries()
    assert [m["to"] for m in mails] == [["ada@acme.example"]]
    text = mails[0]["body"]
    assert "2026-03" in text
    assert ">Credentials issued</td><td align=\"right\">4<" in text and ">Revoked</td><td align=\"right\">1<" in text

    # opting out stops it
    ada.post("/console/account/summary", {"csrf": console_csrf(ada, "/console/account")})
    assert 'value="yes" checked' not in ada.text(ada.get("/console/account"))
