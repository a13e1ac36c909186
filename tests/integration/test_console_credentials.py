"""The console's credentials (issue 14, item 5): search by recipient, template, state and
issue dates, paged by cursor at a cost that does not grow with the organization's size;
the detail page with the credential's history; revoke with a reason, replace and resend,
each behind a confirmation page; and recipients' personal data hidden from a read-only
member without the grant (item 7)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import unquote, urlencode

import boto3
import pytest

from chalicelib import i18n
from tests.aws_calls import recording
from tests.conftest import body, scan_table, sent_mail
from tests.console_helpers import console_csrf, member, new_organization, sign_in
from tests.helpers import active_template, claim_token_from, issue, post

ROW = re.compile(r'<td><a href="/console/credentials/([0-9a-f]{16}-[a-z2-7]{32})">')


@pytest.fixture()
def org(client):
    tenant_id, key = new_organization("Acme Academy", "ada@acme.example")
    admin = sign_in(client, "ada@acme.example")
    return SimpleNamespace(client=client, tenant_id=tenant_id, key=key, admin=admin,
                           data=active_template(client, key, name="Data Steward"),
                           cloud=active_template(client, key, name="Cloud Basics"))


def _issue(org, template_id: str, email: str = "grace@example.com", **extra) -> str:
    res = issue(org.client, org.key, template_id, email=email, **extra)
    assert res.status_code == 201, res.body
    return body(res)["id"]


def _claim(client, credential_id: str, decision: str = "accept") -> None:
    token = claim_token_from(next(m["body"] for m in reversed(sent_mail()) if f"/claim/{credential_id}?" in m["body"]),
                             credential_id)
    assert post(client, f"/claim/{credential_id}", None, {"token": token, "decision": decision}).status_code == 200


def _page(browser, url: str) -> str:
    res = browser.get(url)
    assert res.status_code == 200, (url, res.status_code, browser.text(res)[:3000])
    return browser.text(res)


def _rows(browser, url: str) -> list[str]:
    """The credential ids a search page lists, in order."""
    return ROW.findall(_page(browser, url))


def _search(browser, **params) -> set[str]:
    return set(_rows(browser, "/console/credentials?" + urlencode(params)))


def _next_link(html: str) -> str | None:
    match = re.search(r'<a href="([^"]+)" rel="next">', html)
    return match.group(1).replace("&amp;", "&") if match else None


def _item(credential_id: str):
    from chalicelib.store import credentials as store

    return store.get(credential_id)


@contextmanager
def _on(day: datetime):
    """Issue at another time: the one clock (services/clock.py) moved there."""
    from chalicelib.services import clock

    real = clock.utcnow
    clock.utcnow = lambda: day
    try:
        yield
    finally:
        clock.utcnow = real


def _copies(tenant_id: str, source_id: str, count: int, start: datetime, **overrides) -> list[str]:
    """`count` more credentials like `source_id` (each to its own recipient, created one
    second apart from `start`), written straight to the table: a big organization fast."""
    from chalicelib.domain import ids
    from chalicelib.domain.clock import iso
    from chalicelib.store import credentials as store

    source = store.get(source_id).attribute_values
    index = {"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk"}
    made = []
    for n in range(count):
        email = f"person{n}.{source_id[-6:]}@example.com"
        fields = {k: v for k, v in source.items() if k not in index}
        fields.update(credential_id=ids.new_credential_id(tenant_id), email=email, email_hash=ids.email_hash(email),
                      created_at=iso(start + timedelta(seconds=n)), **overrides)
        made.append(store.build(fields))
    store.batch_put(made)
    return [m.credential_id for m in made]


# ------------------------------------------------------------------ search


NOW = datetime.now(timezone.utc).replace(microsecond=0)
DAY1, DAY2, DAY3 = (NOW - timedelta(days=d) for d in (30, 20, 10))


@pytest.fixture()
def people(org):
    """Five credentials over three days, in every state, and another organization's
    credential to an address that also holds one here."""
    with _on(DAY1):
        g1 = _issue(org, org.data, "grace@example.com")
    with _on(DAY2):
        g2 = _issue(org, org.cloud, "grace@example.com")
    with _on(DAY2 + timedelta(minutes=1)):
        a1 = _issue(org, org.data, "alan@example.com")
    _claim(org.client, g2)
    res = post(org.client, f"/credentials/{a1}/revoke", org.key, {"reason": "Issued by mistake"})
    assert res.status_code == 200, res.body
    with _on(DAY3):
        a2 = _issue(org, org.cloud, "alan@example.com", issued_at=DAY3.date().isoformat(),
                    expires_at=(DAY3 + timedelta(days=1)).date().isoformat())
    with _on(DAY3 + timedelta(minutes=1)):
        m1 = _issue(org, org.data, "mary@example.com")
    _claim(org.client, m1, "reject")
    other_tenant, other_key = new_organization("Beta Institute", "bea@beta.example")
    other = issue(org.client, other_key, active_template(org.client, other_key), email="grace@example.com")
    assert other.status_code == 201
    return SimpleNamespace(g1=g1, g2=g2, a1=a1, a2=a2, m1=m1, other=body(other)["id"])


def test_search_by_each_filter_and_their_combinations(org, people):
    p, admin = people, org.admin
    day = lambda d: d.date().isoformat()  # noqa: E731
    assert _rows(admin, "/console/credentials") == [p.m1, p.a2, p.a1, p.g2, p.g1]  # newest first
    assert _search(admin, q="grace@example.com") == {p.g1, p.g2}
    assert _search(admin, template=org.data) == {p.g1, p.a1, p.m1}
    assert _search(admin, state="pending") == {p.g1}  # a2 is past its expiry
    assert _search(admin, state="expired") == {p.a2}
    assert _search(admin, state="accepted") == {p.g2}
    assert _search(admin, state="revoked") == {p.a1}
    assert _search(admin, state="rejected") == {p.m1}
    assert _search(admin, **{"from": day(DAY2), "to": day(DAY2)}) == {p.g2, p.a1}
    assert _search(admin, **{"from": day(DAY3)}) == {p.a2, p.m1}
    assert _search(admin, to=day(DAY1)) == {p.g1}
    assert _search(admin, q="alan@example.com", template=org.cloud) == {p.a2}
    assert _search(admin, q="alan@example.com", state="revoked") == {p.a1}
    assert _search(admin, q="grace@example.com", **{"from": day(DAY2)}) == {p.g2}
    assert _search(admin, q="alan@example.com", template=org.data, **{"from": day(DAY2), "to": day(DAY2)}) == {p.a1}
    assert _search(admin, q="alan@example.com", template=org.data, **{"from": day(DAY3)}) == set()
    assert _search(admin, template=org.data, state="pending", **{"from": day(DAY1), "to": day(DAY3)}) == {p.g1}
    assert _search(admin, q="nobody@example.com") == set()


def test_an_address_search_is_exact_but_ignores_case(org, people):
    assert _search(org.admin, q="GRACE@example.com") == {people.g1, people.g2}


def test_bad_search_input_is_a_clear_page(org, people):
    for params, words in [({"from": "2026-02-01", "to": "2026-01-01"}, "first day must not be after the last"),
                          ({"state": "lost"}, "state"), ({"q": "grace"}, "q"), ({"from": "1700000000"}, "ISO 8601"),
                          ({"template": "../../x"}, "template"), ({"cursor": "bm90IGEgY3Vyc29y"}, "cursor")]:
        res = org.admin.get("/console/credentials?" + urlencode(params))
        assert res.status_code in (400, 422), (params, res.status_code)
        assert words in org.admin.text(res), (params, org.admin.text(res)[:2000])


def test_another_organizations_credentials_never_appear(org, people):
    everything = set(_rows(org.admin, "/console/credentials"))
    assert people.other not in everything and len(everything) == 5
    for params in [{"q": "grace@example.com"}, {"state": "pending"}, {"from": DAY1.date().isoformat()}]:
        assert people.other not in _search(org.admin, **params)
    beta = sign_in(org.client, "bea@beta.example")
    assert _rows(beta, "/console/credentials") == [people.other]
    assert _search(beta, q="grace@example.com") == {people.other}


def test_paging_by_cursor_walks_every_credential_once_newest_first(org):
    from chalicelib.domain.clock import parse_iso

    first = _issue(org, org.data, suppress_email=True)
    made = _copies(org.tenant_id, first, 59, parse_iso(_item(first).created_at) + timedelta(minutes=1))
    seen, url, pages = [], "/console/credentials", 0
    while url:
        html = _page(org.admin, url)
        seen += ROW.findall(html)
        url, pages = _next_link(html), pages + 1
    assert pages == 3 and len(seen) == 60 == len(set(seen))
    assert seen == list(reversed(made)) + [first]


def test_paging_with_filters_keeps_the_cursor_honest(org):
    """A filter expression may leave a read with few matches: the page shows what it
    found, its cursor continues where the reading stopped, and nothing is skipped."""
    first = _issue(org, org.data, suppress_email=True)
    _copies(org.tenant_id, first, 250, NOW + timedelta(minutes=1))
    revoked = _copies(org.tenant_id, first, 3, NOW + timedelta(minutes=10), status="revoked", revoked_at=NOW.isoformat())
    _copies(org.tenant_id, first, 250, NOW + timedelta(minutes=20))
    old = _copies(org.tenant_id, first, 2, NOW - timedelta(days=1), status="revoked", revoked_at=NOW.isoformat())
    seen, url, queries = [], "/console/credentials?state=revoked", []
    while url:
        with recording() as calls:
            html = _page(org.admin, url)
        queries.append(calls.count("dynamodb.Query"))
        seen += ROW.findall(html)
        url = _next_link(html)
    assert seen == list(reversed(revoked)) + list(reversed(old))
    # each page reads at most 4 index pages (plus the template list for the filter form)
    assert max(queries) <= 4 + 1 and len(queries) >= 2, queries


def test_a_cursor_of_another_organization_or_another_search_is_refused(org):
    first = _issue(org, org.data, suppress_email=True)
    _copies(org.tenant_id, first, 30, NOW + timedelta(minutes=1))
    cursor = re.search(r"cursor=([^\"&]+)", _page(org.admin, "/console/credentials")).group(1)
    new_organization("Beta Institute", "bea@beta.example")
    beta = sign_in(org.client, "bea@beta.example")
    res = beta.get(f"/console/credentials?cursor={cursor}")
    assert res.status_code == 400 and "cursor is not valid" in beta.text(res)
    later = (NOW + timedelta(days=2)).date().isoformat()  # the cursor points before this range
    res = org.admin.get(f"/console/credentials?cursor={cursor}&from={later}")
    assert res.status_code == 400 and "cursor is not valid" in org.admin.text(res)


def test_a_page_of_credentials_costs_the_same_at_30_and_at_300(client):
    """Issue 14, Measured: "pages cost what they show, not what the tenant holds"."""
    costs = {}
    for count, name in ((30, "Small"), (300, "Large")):
        tenant_id, key = new_organization(f"{name} Academy", f"admin@{name.lower()}.example")
        browser = sign_in(client, f"admin@{name.lower()}.example")
        first = body(issue(client, key, active_template(client, key), suppress_email=True))["id"]
        _copies(tenant_id, first, count - 1, NOW + timedelta(minutes=1))
        for url in ("/console/credentials", "/console/credentials?state=pending"):
            _page(browser, url)  # the first render imports what it needs
            with recording() as calls:
                html = _page(browser, url)
            assert len(ROW.findall(html)) == 25 and _next_link(html), url
            costs[(count, url)] = calls
    assert costs[(30, "/console/credentials")] == costs[(300, "/console/credentials")]
    assert costs[(30, "/console/credentials")].count("dynamodb.Query") == 2  # the page and the template list
    assert costs[(30, "/console/credentials?state=pending")] == costs[(300, "/console/credentials?state=pending")]


# ------------------------------------------------------------------ detail and history


def _history(browser, credential_id: str) -> list[str]:
    html = _page(browser, f"/console/credentials/{credential_id}")
    section = html.split('id="history-title"', 1)[1].split("</ol>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", li)).strip()
            for li in re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)]


def _form(browser, path: str, **fields) -> object:
    return browser.post(path, {"csrf": console_csrf(browser), **fields})


def test_history_shows_issued_mailed_resent_accepted_and_revoked_with_the_reason(org):
    cid = _issue(org, org.data, issued_at=(NOW - timedelta(days=400)).date().isoformat())
    assert _form(org.admin, f"/console/credentials/{cid}/resend", confirm="yes").status_code == 303
    _claim(org.client, cid)
    res = _form(org.admin, f"/console/credentials/{cid}/revoke", reason="Exam result withdrawn", confirm="yes")
    assert res.status_code == 303 and res.headers["Location"] == f"/console/credentials/{cid}?done=revoked"
    lines = _history(org.admin, cid)
    kinds = [re.sub(r"^.*? UTC ", "", line) for line in lines]  # the moment in the page's language (issue 19)
    dated = i18n.format_date((NOW - timedelta(days=400)).date())  # the page's language (issue 19)
    assert kinds == [f"Issued: dated {dated}", "Claim mail sent",
                     "Claim link re-sent", "Accepted by the recipient", "Revoked: Exam result withdrawn",
                     "Revocation notice sent"], lines
    item = _item(cid)
    assert [(e.kind, e.ok) for e in item.mail_log] == [("claim", True), ("resend", True), ("revoked", True)]
    assert "grace@example.com" not in " ".join(lines)


def test_history_shows_a_mail_ses_refused_and_a_recorded_bounce(org):
    from chalicelib.store.models import CredentialItem

    ses = boto3.client("sesv2", region_name="us-east-1")
    ses.delete_email_identity(EmailIdentity="badges@laurel.test")
    cid = _issue(org, org.data)
    ses.create_email_identity(EmailIdentity="badges@laurel.test")
    # a recorded bounce (services/mail_feedback.py sets it from SES's events; tests/integration/test_mail_feedback.py)
    item = _item(cid)
    item.update(actions=[CredentialItem.bounced_at.set((NOW + timedelta(minutes=5)).isoformat())])
    lines = _history(org.admin, cid)
    assert any(line.endswith("Claim mail could not be sent") for line in lines), lines
    assert any(line.endswith("A mail to the recipient bounced") for line in lines), lines


def test_the_mail_log_stays_bounded_and_keeps_the_newest(org):
    from chalicelib.store import credentials as store

    cid = _issue(org, org.data)
    item = _item(cid)
    for n in range(store.MAX_MAIL_LOG + 5):
        store.log_mail(item, at=f"2030-01-01T00:00:{n:02d}Z", kind="resend", ok=True)
    log = _item(cid).mail_log
    assert len(log) == store.MAX_MAIL_LOG
    assert log[0].kind == "claim" and log[-1].at == f"2030-01-01T00:00:{store.MAX_MAIL_LOG + 4:02d}Z"


def test_replace_links_both_ways_and_corrects_the_name(org):
    old = _issue(org, org.data, first_name="Grce", last_name="Hoper")
    _claim(org.client, old)
    page = _page(org.admin, f"/console/credentials/{old}/replace")
    assert 'value="Grce"' in page and 'value="Hoper"' in page
    res = _form(org.admin, f"/console/credentials/{old}/replace", first_name="Grace", last_name="Hopper",
                issued_at=NOW.date().isoformat(), expires_at="", confirm="yes")
    assert res.status_code == 303, org.admin.text(res)
    new = re.match(r"/console/credentials/([^?]+)\?done=replaced$", res.headers["Location"]).group(1)
    old_item, new_item = _item(old), _item(new)
    assert old_item.status == "revoked" and old_item.replaced_by == new and new_item.replaces == [old]
    assert (new_item.first_name, new_item.last_name, new_item.expires_at) == ("Grace", "Hopper", None)
    assert new_item.email == old_item.email and new_item.template_id == old_item.template_id
    assert any(line.endswith(f"Replaced by credential {new[-8:]}") for line in _history(org.admin, old))
    assert any(line.endswith(f"Replaces credential {old[-8:]}") for line in _history(org.admin, new))
    assert f'href="/console/credentials/{new}"' in _page(org.admin, f"/console/credentials/{old}")
    assert f'href="/console/credentials/{old}"' in _page(org.admin, f"/console/credentials/{new}")
    mails = [m for m in sent_mail() if m["to"] == ["grace@example.com"]]
    assert f"/claim/{new}?" in mails[-1]["body"]  # the replacement's claim link went out


def test_an_older_replacement_is_linked_from_its_reason(org):
    """Replacements made before `replaced_by` was stored name their successor in the reason."""
    from chalicelib.store.models import CredentialItem

    old = _issue(org, org.data)
    new = _issue(org, org.data, duplicate_policy="replace")
    _item(old).update(actions=[CredentialItem.replaced_by.remove()])
    assert any(line.endswith(f"Replaced by credential {new[-8:]}") for line in _history(org.admin, old))


# ------------------------------------------------------------------ confirmations


def test_revoke_asks_first_then_revokes_once(org):
    cid = _issue(org, org.data)
    _claim(org.client, cid)
    before, mails = scan_table(), len(sent_mail())
    page = _page(org.admin, f"/console/credentials/{cid}/revoke")
    assert 'name="reason"' in page and 'name="confirm"' in page and "cannot be undone" in page
    assert scan_table() == before and len(sent_mail()) == mails  # asking changes nothing
    unconfirmed = _form(org.admin, f"/console/credentials/{cid}/revoke", reason="x")
    assert unconfirmed.status_code == 422 and scan_table() == before
    no_reason = _form(org.admin, f"/console/credentials/{cid}/revoke", reason=" ", confirm="yes")
    assert no_reason.status_code == 422 and scan_table() == before
    for _ in range(2):  # the form sent twice
        res = _form(org.admin, f"/console/credentials/{cid}/revoke", reason="Exam result withdrawn", confirm="yes")
        assert res.status_code == 303
    item = _item(cid)
    assert item.status == "revoked" and item.revocation_reason == "Exam result withdrawn"
    notices = [m for m in sent_mail()[mails:] if "was revoked" in m["subject"]]
    assert len(notices) == 1 and "Exam result withdrawn" in notices[0]["body"]
    public = org.client.http.get(f"/badges/{cid}")
    assert b"Exam result withdrawn" in public.body
    again = org.admin.get(f"/console/credentials/{cid}/revoke")
    assert again.status_code == 409 and "revoked already" in org.admin.text(again)
    audit = body(org.client.http.get("/audit", headers={"Authorization": f"Bearer {org.key}"}))["items"]
    revokes = [e for e in audit if e["route"] == "/console/credentials/{credential_id}/revoke"]
    assert [(e["method"], e["actor"]["type"], e["status"]) for e in revokes] == [("POST", "member", 303)] * 2


def test_revoke_without_mail_sends_none(org):
    cid = _issue(org, org.data)
    mails = len(sent_mail())
    res = _form(org.admin, f"/console/credentials/{cid}/revoke", reason="Duplicate", suppress_email="yes",
                confirm="yes")
    assert res.status_code == 303 and _item(cid).status == "revoked" and len(sent_mail()) == mails


def test_replace_asks_first_then_replaces_once(org):
    cid = _issue(org, org.data)
    before = scan_table()
    page = _page(org.admin, f"/console/credentials/{cid}/replace")
    assert 'name="first_name"' in page and 'name="confirm"' in page
    assert scan_table() == before
    fields = {"first_name": "Grace", "last_name": "Hopper", "issued_at": NOW.date().isoformat(), "confirm": "yes"}
    assert _form(org.admin, f"/console/credentials/{cid}/replace", **fields).status_code == 303
    count = len([i for i in scan_table() if i["sk"] == "C"])
    again = _form(org.admin, f"/console/credentials/{cid}/replace", **fields)
    assert again.status_code == 409 and "only a pending or accepted credential" in org.admin.text(again)
    assert len([i for i in scan_table() if i["sk"] == "C"]) == count  # nothing issued the second time


def test_replace_refuses_bad_dates_and_writes_nothing(org):
    cid = _issue(org, org.data)
    before = scan_table()
    for fields in [{"issued_at": "2026-13-01"}, {"issued_at": "2026-01-10", "expires_at": "2026-01-01"},
                   {"issued_at": (NOW + timedelta(days=3)).date().isoformat()}, {"first_name": ""}]:
        form = {"first_name": "Grace", "last_name": "Hopper", "issued_at": "2026-01-10", "confirm": "yes", **fields}
        res = _form(org.admin, f"/console/credentials/{cid}/replace", **form)
        assert res.status_code == 422, (fields, res.status_code)
    assert scan_table() == before


def test_resend_asks_first_then_mails_a_new_link_that_replaces_the_old(org):
    cid = _issue(org, org.data)
    old_token = claim_token_from(sent_mail()[-1]["body"], cid)
    before, mails = scan_table(), len(sent_mail())
    page = _page(org.admin, f"/console/credentials/{cid}/resend")
    assert "stops working" in page and scan_table() == before and len(sent_mail()) == mails
    assert _form(org.admin, f"/console/credentials/{cid}/resend").status_code == 422  # not confirmed
    assert scan_table() == before and len(sent_mail()) == mails
    res = _form(org.admin, f"/console/credentials/{cid}/resend", confirm="yes")
    assert res.status_code == 303 and len(sent_mail()) == mails + 1
    assert post(org.client, f"/claim/{cid}", None, {"token": old_token, "decision": "accept"}).status_code != 200
    _claim(org.client, cid)
    res = org.admin.get(f"/console/credentials/{cid}/resend")
    assert res.status_code == 409 and "only pending credentials" in org.admin.text(res)


def test_issuers_resend_only_for_their_templates_and_never_revoke(org):
    only_data = member(org.client, org.tenant_id, "ian@acme.example", "issuer", org.admin,
                       templates=org.data)
    mine, theirs = _issue(org, org.data), _issue(org, org.cloud, "alan@example.com")
    # a restricted issuer sees the organization's credentials (reading is the organization's)
    assert set(_rows(only_data, "/console/credentials")) == {mine, theirs}
    assert "Re-send the claim mail" in _page(only_data, f"/console/credentials/{mine}")
    assert "Re-send the claim mail" not in _page(only_data, f"/console/credentials/{theirs}")
    mails = len(sent_mail())
    res = _form(only_data, f"/console/credentials/{theirs}/resend", confirm="yes")
    assert res.status_code == 403 and len(sent_mail()) == mails
    assert only_data.get(f"/console/credentials/{theirs}/resend").status_code == 403
    assert _form(only_data, f"/console/credentials/{mine}/resend", confirm="yes").status_code == 303
    assert len(sent_mail()) == mails + 1
    detail = _page(only_data, f"/console/credentials/{mine}")
    assert "/revoke" not in detail and "/replace" not in detail
    before = scan_table()
    res = _form(only_data, f"/console/credentials/{mine}/revoke", reason="no", confirm="yes")
    assert res.status_code == 403 and scan_table() == before


# ------------------------------------------------------------------ personal data


def test_a_read_only_member_without_the_grant_never_sees_recipients(org, people):
    rita = member(org.client, org.tenant_id, "rita@acme.example", "read_only", org.admin)
    listing = _page(rita, "/console/credentials")
    detail = _page(rita, f"/console/credentials/{people.g2}")
    history = " ".join(_history(rita, people.a1))
    for html in (listing, detail, history):
        for secret in ("grace@example.com", "alan@example.com", "mary@example.com", "Grace", "Hopper"):
            assert secret not in html, secret
    assert "g***@example.com" in listing and "G. H." in listing and "a***@example.com" in listing
    assert 'name="q"' not in listing  # no search by address offered
    res = rita.get("/console/credentials?q=grace%40example.com")
    assert res.status_code == 403 and "view personal data" in rita.text(res)
    nobody = rita.get("/console/credentials?q=nobody%40example.com")  # the same answer: nothing learnt
    # the same answer: nothing learnt (the page's language links keep the member's own query)
    assert nobody.status_code == 403
    assert rita.text(nobody).replace("nobody%40example.com", "grace%40example.com") == rita.text(res)
    assert "Revoked" in history and "Issued" in history


def test_evidence_and_the_issuers_own_id_are_personal_data_too(org):
    cid = _issue(org, org.data, earner_id="student-4711",
                 evidence=[{"narrative": "Grace's capstone on data lineage", "url": "https://lms.example/grace"}])
    rita = member(org.client, org.tenant_id, "rita@acme.example", "read_only", org.admin)
    hidden = _page(rita, f"/console/credentials/{cid}")
    assert "student-4711" not in hidden and "capstone" not in hidden and "lms.example/grace" not in hidden
    shown = _page(org.admin, f"/console/credentials/{cid}")
    assert "student-4711" in shown and "capstone" in shown and "https://lms.example/grace" in shown


def test_a_read_only_member_with_the_grant_sees_and_searches_recipients(org, people):
    reader = member(org.client, org.tenant_id, "rob@acme.example", "read_only", org.admin, view_personal_data="yes")
    listing = _page(reader, "/console/credentials")
    assert "grace@example.com" in listing and "Grace Hopper" in listing and 'name="q"' in listing
    assert _search(reader, q="grace@example.com") == {people.g1, people.g2}
    assert "grace@example.com" in _page(reader, f"/console/credentials/{people.g1}")
    detail = _page(reader, f"/console/credentials/{people.g1}")
    assert "/resend" not in detail and "/revoke" not in detail  # seeing is not acting


def test_a_cursor_link_keeps_the_filters(org):
    first = _issue(org, org.data, suppress_email=True)
    _copies(org.tenant_id, first, 40, NOW + timedelta(minutes=1))
    html = _page(org.admin, f"/console/credentials?template={org.data}")
    link = unquote(_next_link(html))
    assert f"template={org.data}" in link and "cursor=" in link
    assert "First page" in _page(org.admin, _next_link(html))


def test_a_replacement_keeps_the_credentials_language(org):
    # issue 19: the issue request's `locale` is the credential's; replacing it in the console keeps it
    old = _issue(org, org.data, locale="pt-BR")
    res = _form(org.admin, f"/console/credentials/{old}/replace", first_name="Grace", last_name="Hopper",
                issued_at=NOW.date().isoformat(), expires_at="", confirm="yes")
    assert res.status_code == 303, org.admin.text(res)
    new = re.match(r"/console/credentials/([^?]+)\?done=replaced$", res.headers["Location"]).group(1)
    assert _item(new).locale == "pt-BR"
    assert '<html lang="pt-BR">' in sent_mail()[-1]["body"]
