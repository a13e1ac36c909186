"""Talent search (issue 20 item 4): opt-in, the per-skill index, console search, contact
through Laurel, reply and decline, rights, rate limits, isolation."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlencode

import pytest

from tests.conftest import body, scan_table, sent_mail
from tests.console_helpers import member, new_organization, sign_in
from tests.helpers import Browser, active_template, csrf_of, issue
from tests.helpers import sign_in as wallet_sign_in

GRACE = "grace@example.com"


def _grant(tenant_id: str, email: str, grants: list[str]) -> None:
    from chalicelib.domain import ids as id_rules
    from chalicelib.store import members as store

    item = store.member_by_email(tenant_id, id_rules.email_hash(email))
    assert store.update_member(item, {"grants": grants}, item.updated_at)


def _accept(b: Browser, cid: str) -> None:
    csrf = csrf_of(b.text(b.get(f"/wallet/credentials/{cid}")))
    res = b.post(f"/wallet/credentials/{cid}/decision", {"decision": "accept", "csrf": csrf})
    assert res.status_code == 303, res.body


def _opt(b: Browser, open_: str = "yes", kinds=("certification",), city: str = "São Paulo", country: str = "BR"):
    csrf = csrf_of(b.text(b.get("/wallet/opportunities")))
    fields = [("csrf", csrf), ("open", open_), ("city", city), ("country", country)] + [("kinds", k) for k in kinds]
    res = b.client.http.post("/wallet/opportunities", body=urlencode(fields), headers=b._headers(
        {"Content-Type": "application/x-www-form-urlencoded"}))
    return b._keep(res)


@pytest.fixture()
def world(client):
    """Acme (a recruiting admin, Ada) issued Grace a certification with two skills and a
    badge with another; Grace accepted both and named herself. Beta's admin recruits too."""
    tenant_a, key_a = new_organization("Acme Academy", "ada@acme.example")
    ada = sign_in(client, "ada@acme.example")
    _grant(tenant_a, "ada@acme.example", ["recruiting"])
    cert = active_template(client, key_a, name="Data Steward", skills=["Data quality", "Governance"],
                           kind="certification")
    badge = active_template(client, key_a, name="Python Basics", skills=["Python"], kind="badge")
    c1 = body(issue(client, key_a, cert, GRACE))["id"]
    c2 = body(issue(client, key_a, badge, GRACE))["id"]
    grace = Browser(client)
    wallet_sign_in(grace, GRACE)
    _accept(grace, c1)
    _accept(grace, c2)
    csrf = csrf_of(grace.text(grace.get("/wallet/settings")))
    assert grace.post("/wallet/settings/profile", {"csrf": csrf, "display_name": "Grace Hopper",
                                                   "profile": "private"}).status_code == 303
    tenant_b, _ = new_organization("Beta Institute", "bea@beta.example")
    bea = sign_in(client, "bea@beta.example")
    _grant(tenant_b, "bea@beta.example", ["recruiting"])
    return {"a": tenant_a, "key_a": key_a, "ada": ada, "grace": grace, "cert": c1, "badge": c2, "bea": bea,
            "b": tenant_b, "client": client}


def _search(browser: Browser, **q) -> tuple[int, str]:
    params = [("skill", s) for s in q.pop("skills", [])] + list(q.items())
    res = browser.get("/console/talent?" + urlencode(params))
    return res.status_code, browser.text(res)


def _earner_id(grace: Browser) -> str:
    from chalicelib.store import earners

    from chalicelib.domain import ids

    return earners.email_owner(ids.email_hash(GRACE))


def test_an_earner_who_did_not_opt_in_is_never_found_and_nothing_is_indexed(world):
    status, html = _search(world["ada"], skills=["Data quality"])
    assert status == 200
    assert "Grace Hopper" not in html
    assert not [i for i in scan_table() if i["pk"].startswith("TALENT#")]


def test_opt_in_finds_her_by_two_skills_issuer_credential_and_place_and_opt_out_removes_her_at_once(world):
    ada, grace = world["ada"], world["grace"]
    assert _opt(grace).status_code == 303  # certifications only: her badge's Python is not findable
    entries = [i for i in scan_table() if i["pk"].startswith("TALENT#")]
    assert sorted(i["pk"] for i in entries) == ["TALENT#text:data quality", "TALENT#text:governance"]
    assert "Python Basics" not in json.dumps(entries, default=str)
    assert "Grace Hopper" not in _search(ada, skills=["Python"])[1]
    assert _opt(grace, kinds=("certification", "badge")).status_code == 303
    entries = [i for i in scan_table() if i["pk"].startswith("TALENT#")]
    assert sorted(i["pk"] for i in entries) == ["TALENT#text:data quality", "TALENT#text:governance",
                                                  "TALENT#text:python"]
    assert GRACE not in json.dumps(entries, default=str)  # no address in the index
    for q in ({"skills": ["Data quality", "governance"]}, {"skills": ["Python"], "issuer": "Acme"},
              {"skills": ["Data quality"], "credential": "data steward"},
              {"skills": ["Governance"], "city": "sao paulo", "country": "BR"}):
        status, html = _search(ada, **q)
        assert status == 200, html
        assert "Grace Hopper" in html, q
        assert GRACE not in html and _earner_id(grace) not in html, q  # neither address nor earner id
    for q in ({"skills": ["Data quality", "Cooking"]}, {"skills": ["Python"], "issuer": "Beta"},
              {"skills": ["Governance"], "country": "FR"}, {"skills": ["Governance"], "city": "Lisbon"}):
        assert "Grace Hopper" not in _search(ada, **q)[1], q
    assert _opt(grace, "no").status_code == 303
    assert "Grace Hopper" not in _search(ada, skills=["Data quality"])[1]
    assert not [i for i in scan_table() if i["pk"].startswith("TALENT#")]


def test_only_chosen_kinds_make_her_findable(world):
    _opt(world["grace"], kinds=("micro-credential",))
    assert "Grace Hopper" not in _search(world["ada"], skills=["Python"])[1]
    assert not [i for i in scan_table() if i["pk"].startswith("TALENT#")]


def test_hidden_and_revoked_credentials_skills_do_not_match(world):
    from chalicelib.services import skill_profile

    grace, ada = world["grace"], world["ada"]
    _opt(grace, kinds=("certification", "badge"))
    assert "Grace Hopper" in _search(ada, skills=["Python"])[1]
    csrf = csrf_of(grace.text(grace.get(f"/wallet/credentials/{world['badge']}")))
    assert grace.post(f"/wallet/credentials/{world['badge']}/visibility",
                      {"visibility": "private", "csrf": csrf}).status_code == 303
    skill_profile.refresh(_earner_id(grace))  # the profile work calls this on every hide/show
    assert "Grace Hopper" not in _search(ada, skills=["Python"])[1]
    assert "Grace Hopper" in _search(ada, skills=["Governance"])[1]
    res = world["client"].http.post(f"/credentials/{world['cert']}/revoke", headers={
        "Authorization": f"Bearer {world['key_a']}", "Content-Type": "application/json"},
        body=json.dumps({"reason": "issued in error"}))
    assert res.status_code == 200, res.body
    skill_profile.refresh(_earner_id(grace))  # ... and on revocation
    assert "Grace Hopper" not in _search(ada, skills=["Governance"])[1]
    assert not [i for i in scan_table() if i["pk"].startswith("TALENT#")]


def test_restriction_and_erasure_remove_her(world):
    from chalicelib.services import rights

    grace, ada = world["grace"], world["ada"]
    _opt(grace)
    assert "Grace Hopper" in _search(ada, skills=["Governance"])[1]
    rights.restrict_earner(_earner_id(grace))
    assert "Grace Hopper" not in _search(ada, skills=["Governance"])[1]
    assert not [i for i in scan_table() if i["pk"].startswith("TALENT#")]


def _contact(ada: Browser, subject="A role for you", text="We have a data job. Interested?") -> tuple[int, str]:
    html = _search(ada, skills=["Governance"])[1]
    link = re.search(r'href="(/console/talent/contact\?c=[^"]+)"', html)
    assert link, html
    page = ada.get(link.group(1).replace("&amp;", "&"))
    assert page.status_code == 200, page.body
    form = ada.text(page)
    handle = re.search(r'name="candidate" value="([^"]+)"', form).group(1)
    res = ada.post("/console/talent/contact", {"csrf": csrf_of(form), "candidate": handle, "subject": subject,
                                               "text": text})
    return res.status_code, res.headers.get("Location", "")


def test_contact_mails_her_without_the_recruiters_address_and_reply_reveals_hers_only_then(world):
    from tests.aws_calls import requests

    grace, ada = world["grace"], world["ada"]
    _opt(grace)
    before = len(sent_mail())
    status, location = _contact(ada)
    assert status == 303, location
    [mail] = sent_mail()[before:]
    assert mail["to"] == [GRACE]
    assert "Acme Academy" in mail["subject"] and "ada@acme.example" not in mail["body"]
    assert "/wallet/messages" in mail["body"]
    # the organization's pages name her, never her address or account id
    ref = location.rsplit("/", 1)[1]
    for path in ("/console/talent/messages", f"/console/talent/messages/{ref}"):
        html = ada.text(ada.get(path))
        assert "Grace Hopper" in html and GRACE not in html and _earner_id(grace) not in html
    page = grace.text(grace.get("/wallet/messages"))
    assert "A role for you" in page and "Acme Academy" in page and "ada@acme.example" not in page
    assert "share my address" in page
    hashes = re.findall(r'<option value="([0-9a-f]{64})">', page)
    with requests() as calls:
        res = grace.post(f"/wallet/messages/{ref}/reply", {"csrf": csrf_of(page), "text": "Yes, tell me more.",
                                                            "email_hash": hashes[0]})
    assert res.status_code == 303, res.body
    [send] = [c for c in calls if c.name == "sesv2.SendEmail" or c.name == "ses.SendEmail"]
    params = json.dumps(send.params if hasattr(send, "params") else send.__dict__, default=str)
    assert "ada@acme.example" in params and GRACE in params and "ReplyTo" in params
    html = ada.text(ada.get(f"/console/talent/messages/{ref}"))
    assert GRACE in html and "Yes, tell me more." in html


def test_decline_shows_only_declined(world):
    grace, ada = world["grace"], world["ada"]
    _opt(grace)
    _, location = _contact(ada)
    ref = location.rsplit("/", 1)[1]
    page = grace.text(grace.get("/wallet/messages"))
    before = len(sent_mail())
    assert grace.post(f"/wallet/messages/{ref}/decline", {"csrf": csrf_of(page)}).status_code == 303
    assert len(sent_mail()) == before
    html = ada.text(ada.get(f"/console/talent/messages/{ref}"))
    assert "Declined" in html and GRACE not in html
    # declined: the organization may write again
    assert _contact(ada, subject="Another role")[0] == 303


def test_a_reply_after_opting_out_is_refused_and_mails_nothing(world):
    """Opting out ends open conversations: the wallet offers no reply any more, and a reply
    posted from a page opened before is refused before any mail reveals her address."""
    grace, ada = world["grace"], world["ada"]
    _opt(grace)
    _, location = _contact(ada)
    ref = location.rsplit("/", 1)[1]
    page = grace.text(grace.get("/wallet/messages"))
    email_hash = re.search(r'name="email_hash">\s*<option value="([0-9a-f]{64})"', page).group(1)
    _opt(grace, "no")
    assert "Reply and share my address" not in grace.text(grace.get("/wallet/messages"))
    before = len(sent_mail())
    res = grace.post(f"/wallet/messages/{ref}/reply", {"csrf": csrf_of(page), "text": "Yes!",
                                                       "email_hash": email_hash})
    assert res.status_code == 409 and "stopped being findable" in grace.text(res)
    assert len(sent_mail()) == before
    assert GRACE not in ada.text(ada.get(f"/console/talent/messages/{ref}"))


def test_opt_out_and_erasure_unname_her_messages(world):
    from chalicelib.services import rights

    grace, ada = world["grace"], world["ada"]
    _opt(grace)
    _, location = _contact(ada)
    ref = location.rsplit("/", 1)[1]
    _opt(grace, "no")
    html = ada.text(ada.get(f"/console/talent/messages/{ref}"))
    assert "Grace Hopper" not in html and "No longer available" in html
    rights.erase_earner(_earner_id(grace))
    assert "Grace Hopper" not in ada.text(ada.get("/console/talent/messages"))
    assert "grace hopper" not in json.dumps(scan_table(), default=str).lower()


def test_one_open_contact_per_candidate_and_daily_limit_answer_429_and_write_nothing(world, monkeypatch):
    from chalicelib.services import talent

    grace, ada = world["grace"], world["ada"]
    _opt(grace)
    assert _contact(ada)[0] == 303
    items, mails = len(scan_table()), len(sent_mail())
    status, _ = _contact(ada, subject="Again")
    assert status == 429
    assert len(sent_mail()) == mails
    assert len([i for i in scan_table() if "#MSG" in i["pk"] or "MSG#" in i["sk"]]) == 3
    monkeypatch.setattr(talent, "SEARCH_LIMIT", talent.Limit("talent-search", 1, 3600))
    before = [i for i in scan_table() if "AUDIT" in i["pk"]]
    res = ada.get("/console/talent?skill=Governance")
    assert res.status_code == 429 and res.headers.get("Retry-After"), res.status_code
    assert [i for i in scan_table() if "AUDIT" in i["pk"]] == before
    assert items  # (the table was read)


def test_searches_and_contacts_are_audited(world):
    grace, ada = world["grace"], world["ada"]
    _opt(grace)
    _contact(ada)
    entries = [i for i in scan_table() if i["pk"] == f"T#{world['a']}#AUDIT"]
    routes = [(e["method"], e["route"]) for e in entries]
    assert ("GET", "/console/talent") in routes and ("POST", "/console/talent/contact") in routes
    assert GRACE not in json.dumps(entries, default=str)


def test_another_organization_cannot_read_messages_or_use_handles(world):
    grace, ada, bea = world["grace"], world["ada"], world["bea"]
    _opt(grace)
    html = _search(ada, skills=["Governance"])[1]
    handle = re.search(r'contact\?c=([^"]+)"', html).group(1)
    _, location = _contact(ada)
    ref = location.rsplit("/", 1)[1]
    assert bea.get(f"/console/talent/messages/{ref}").status_code == 404
    assert "A role for you" not in bea.text(bea.get("/console/talent/messages"))
    assert bea.get(f"/console/talent/contact?c={handle}").status_code == 404


def test_member_without_the_recruiting_grant_is_refused(world):
    rita = member(world["client"], world["a"], "rita@acme.example", "admin", world["ada"])
    assert rita.get("/console/talent?skill=Governance").status_code == 403
    assert "/console/talent" not in rita.text(rita.get("/console"))
    assert 'href="/console/talent"' in world["ada"].text(world["ada"].get("/console"))


def test_bad_input_is_a_clear_4xx(world):
    ada, grace = world["ada"], world["grace"]
    assert ada.get("/console/talent?skill=a&skill=b&skill=c&skill=d").status_code == 400
    assert ada.get("/console/talent?skill=a&country=XX").status_code == 400
    assert ada.get("/console/talent?skill=a&more=forged").status_code == 404
    assert ada.get("/console/talent/contact?c=forged").status_code == 404
    assert grace.post("/wallet/messages/nope/decline",
                      {"csrf": csrf_of(grace.text(grace.get("/wallet/messages")))}).status_code == 404
    csrf = csrf_of(grace.text(grace.get("/wallet/opportunities")))
    assert grace.post("/wallet/opportunities", {"csrf": csrf, "open": "yes"}).status_code == 400
    assert quote("x")  # (urls built above)


def test_export_includes_opt_in_and_messages(world):
    import io
    import zipfile

    from chalicelib.services import rights

    grace, ada = world["grace"], world["ada"]
    _opt(grace)
    _contact(ada)
    data = rights.build_export(rights.person_of_earner(_earner_id(grace)))
    got = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("opportunities.json"))
    assert got["open_to_opportunities"] is True and got["country"] == "BR"
    assert got["messages"][0]["subject"] == "A role for you"


def test_search_reads_one_skill_partition_in_bounded_pages_and_pages_on_with_a_sealed_cursor(world, monkeypatch):
    """Never a Scan, never the credential table: Queries of TALENT#<first skill> with a
    Limit; a full page ends with a "more" link whose cursor names no earner."""
    from chalicelib.services import talent
    from tests.aws_calls import requests

    client, key_a = world["client"], world["key_a"]
    _opt(world["grace"])
    tpl = active_template(client, key_a, name="Data Steward 2", skills=["Data quality", "Governance"],
                          kind="certification")
    cid = body(issue(client, key_a, tpl, "mary@example.com"))["id"]
    mary = Browser(client)
    wallet_sign_in(mary, "mary@example.com")
    _accept(mary, cid)
    csrf = csrf_of(mary.text(mary.get("/wallet/settings")))
    mary.post("/wallet/settings/profile", {"csrf": csrf, "display_name": "Mary Jackson", "profile": "private"})
    _opt(mary)
    monkeypatch.setattr(talent, "PAGE_RESULTS", 1)
    with requests() as calls:
        status, html = _search(world["ada"], skills=["Governance", "Data quality"])
    assert status == 200
    dynamo = [c for c in calls if c.name.startswith("dynamodb.")]
    assert not [c for c in dynamo if c.name == "dynamodb.Scan"]
    queries = [c for c in dynamo if c.name == "dynamodb.Query"]
    talent_queries = [c for c in queries if "TALENT#" in json.dumps(c.params)]
    assert talent_queries and all('"TALENT#text:governance"' in json.dumps(c.params)
                                  and c.params["Limit"] == talent.QUERY_LIMIT for c in talent_queries), queries
    assert "#C#" not in json.dumps([c.params for c in dynamo])  # no credential read
    first = "Grace Hopper" if "Grace Hopper" in html else "Mary Jackson"
    assert ("Grace Hopper" in html) != ("Mary Jackson" in html)
    more = re.search(r'href="(/console/talent\?[^"]*more=[^"]+)"', html)
    assert more, html
    assert _earner_id(world["grace"]) not in more.group(1)
    html2 = world["ada"].text(world["ada"].get(more.group(1).replace("&amp;", "&")))
    second = "Mary Jackson" if first == "Grace Hopper" else "Grace Hopper"
    assert second in html2 and first not in html2


def test_erasure_while_opted_in_removes_her_from_the_index_and_her_name_and_reply_from_messages(world):
    from chalicelib.services import rights

    grace, ada = world["grace"], world["ada"]
    _opt(grace)
    _, location = _contact(ada)
    ref = location.rsplit("/", 1)[1]
    page = grace.text(grace.get("/wallet/messages"))
    hashes = re.findall(r'<option value="([0-9a-f]{64})">', page)
    grace.post(f"/wallet/messages/{ref}/reply", {"csrf": csrf_of(page), "text": "Call me.", "email_hash": hashes[0]})
    _, location2 = _contact(ada, subject="Second")  # (replied: the contact is no longer open)
    rights.erase_earner(_earner_id(grace))
    assert "Grace Hopper" not in _search(ada, skills=["Governance"])[1]
    assert not [i for i in scan_table() if i["pk"].startswith("TALENT#")]
    html = ada.text(ada.get("/console/talent/messages"))
    assert "Grace Hopper" not in html and "No longer available" in html
    stored = json.dumps(scan_table(), default=str).lower()
    assert "grace hopper" not in stored and GRACE not in stored and "call me." not in stored


def test_a_new_name_reaches_the_index_at_once(world):
    grace, ada = world["grace"], world["ada"]
    _opt(grace)
    csrf = csrf_of(grace.text(grace.get("/wallet/settings")))
    assert grace.post("/wallet/settings/profile", {"csrf": csrf, "display_name": "G. Hopper",
                                                   "profile": "private"}).status_code == 303
    html = _search(ada, skills=["Governance"])[1]
    assert "G. Hopper" in html and "Grace Hopper" not in html


def test_the_organizations_daily_contact_limit_answers_429_and_writes_nothing(world, monkeypatch):
    from chalicelib.services import talent

    grace, ada = world["grace"], world["ada"]
    _opt(grace)
    _, location = _contact(ada)
    ref = location.rsplit("/", 1)[1]
    grace.post(f"/wallet/messages/{ref}/decline", {"csrf": csrf_of(grace.text(grace.get("/wallet/messages")))})
    monkeypatch.setattr(talent, "CONTACT_LIMIT", talent.Limit("talent-contact", 1, 86400))
    before, mails = [i for i in scan_table() if "MSG" in i["pk"] + i["sk"]], len(sent_mail())
    html = _search(ada, skills=["Governance"])[1]
    link = re.search(r'href="(/console/talent/contact\?c=[^"]+)"', html).group(1).replace("&amp;", "&")
    form = ada.text(ada.get(link))
    handle = re.search(r'name="candidate" value="([^"]+)"', form).group(1)
    res = ada.post("/console/talent/contact", {"csrf": csrf_of(form), "candidate": handle, "subject": "Again",
                                               "text": "Hello again"})
    assert res.status_code == 429 and res.headers.get("Retry-After"), res.status_code
    assert [i for i in scan_table() if "MSG" in i["pk"] + i["sk"]] == before and len(sent_mail()) == mails


def test_offboarding_an_organization_deletes_its_messages_and_open_contacts(world):
    """The organization's copies name candidates (and hold replies): they go with it."""
    from chalicelib.services import ops

    _opt(world["grace"])
    _contact(world["ada"])
    tenant_id, client = world["a"], world["client"]
    assert [i for i in scan_table() if i["pk"] in (f"T#{tenant_id}#MSG", f"T#{tenant_id}#MSGOPEN")]
    operator = {"Authorization": f"Bearer {ops.create_operator_key('tests')}", "Content-Type": "application/json"}
    plan = body(client.http.post(f"/ops/issuers/{tenant_id}/offboarding", headers=operator))
    assert plan["delete"]["talent_messages"]["count"] == 2, plan["delete"]
    res = client.http.post(f"/ops/issuers/{tenant_id}/offboarding/confirm", headers=operator,
                           body=json.dumps({"token": plan["confirmation"]["token"]}))
    assert res.status_code == 200, res.body
    assert not [i for i in scan_table() if i["pk"].startswith(f"T#{tenant_id}#MSG")]


def test_a_merged_away_accounts_messages_and_links_follow_the_person_and_erasure_reaches_them(client):
    """Second review: merging accounts left the merged-away account's messages, opt-in and
    employer links behind, so erasing the surviving account left the organization a named
    message with the person's address. Now the messages move over, the links end, and the
    surviving account's erasure leaves nothing naming the person."""
    from chalicelib.domain import ids
    from chalicelib.services import wallet
    from chalicelib.store import earners
    from tests.helpers import delete_account
    from tests.integration import test_workforce as wf

    tenant, _ = new_organization("Acme Corp", "ada@acme.example")
    wf._grant(tenant, "ada@acme.example", ("workforce", "recruiting"))
    admin = sign_in(client, "ada@acme.example")
    old, old_id, _ = wf._linked(client, (tenant, admin), GRACE, skills=("Python",), credential="Data Steward")
    assert _opt(old, kinds=("badge", "certification", "micro-credential"), city="Lyon", country="FR").status_code == 303
    html = _search(admin, skills=["Python"])[1]
    assert "Grace Hopper" in html
    handle = re.search(r'/console/talent/contact\?c=([^"&]+)', html).group(1)
    from urllib.parse import unquote

    handle = unquote(handle.replace("&amp;", "&"))
    page = admin.get("/console/talent/contact?c=" + handle)
    assert admin.post("/console/talent/contact", {"candidate": handle, "subject": "Job", "text": "Hello",
                                                  "csrf": csrf_of(admin.text(page))}).status_code == 303
    msgs = old.text(old.get("/wallet/messages"))
    ref = re.search(r'/wallet/messages/([^/"]+)/reply', msgs).group(1)
    assert old.post(f"/wallet/messages/{ref}/reply", {"text": "Hi there", "email_hash": ids.email_hash(GRACE),
                                                      "csrf": csrf_of(msgs)}).status_code == 303
    work = Browser(client)
    wallet_sign_in(work, "grace.work@example.com")
    work_id = earners.email_owner(ids.email_hash("grace.work@example.com"))
    assert wallet.attach_email(work_id, GRACE, ids.email_hash(GRACE)) == "merged"
    assert "Job" in work.text(work.get("/wallet/messages"))  # her conversation followed her
    assert not [i for i in scan_table() if old_id in json.dumps(i, default=str)], "the merged-away account left items"
    assert "Grace Hopper" not in _search(admin, skills=["Python"])[1]  # not findable twice, nor by the old account
    delete_account(work)
    left = json.dumps(scan_table(), default=str)
    assert GRACE not in left and "Grace Hopper" not in left
    assert "Grace Hopper" not in admin.text(admin.get("/console/talent/messages"))
