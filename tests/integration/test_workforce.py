"""Workforce skills (issue 20, item 3; its part of item 7): an organization invites its
employees to link their wallets; an employee who accepts is found by skill, counted in
teams' coverage and roles' gaps; declining, unlinking, hiding a credential, restriction
and erasure take them (or the hidden skills) out at once; another organization never sees
any of it; a replayed or forged invitation is refused.

The profile helper wires `skill_profile.refresh` into every write path (accept, hide,
revoke, ...) in its own branch; where a test here changes what an earner lets others
count after linking, it calls `skill_profile.refresh` itself, as those paths will.

The taxonomy service (services/taxonomy.py) is built in parallel by the taxonomy helper:
the role tests put a small table of occupations in its place (`taxonomy` fixture)."""

from __future__ import annotations

import io
import json
import re
import sys
import types
import zipfile
from datetime import timedelta

import pytest

from chalicelib.domain import ids
from tests.conftest import scan_table, sent_mail
from tests.console_helpers import console_csrf, member, new_organization, sign_in
from tests.helpers import Browser, active_template, csrf_of, issue, new_issuer
from tests.helpers import sign_in as wallet_sign_in

GRACE = "grace@example.com"
ESCO = "http://data.europa.eu/esco/skill/"
PYTHON_URI = ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL_URI = ESCO + "9d1f1a0c-1b57-4a4b-9e1b-4b8d5e1b2c3d"
DEVELOPER = "http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1"


# ------------------------------------------------------------------ builders


def _grant(tenant_id: str, email: str, grants=("workforce",)) -> None:
    from chalicelib.store import members as store

    item = store.member_by_email(tenant_id, ids.email_hash(email))
    assert store.update_member(item, {"grants": list(grants)}, item.updated_at)


@pytest.fixture()
def acme(client):
    """Organization A with a signed-in admin holding the workforce permission."""
    tenant, _ = new_organization("Acme Corp", "ada@acme.example")
    _grant(tenant, "ada@acme.example")
    return tenant, sign_in(client, "ada@acme.example")


def _earner(client, email: str = GRACE, *, name: str = "Grace Hopper", skills=("Python", "Leadership"),
            credential: str = "Data Steward", issuer: str = "Open University") -> tuple[Browser, str, str]:
    """An earner who accepted one credential (from another organization) naming `skills`.
    Returns (their wallet browser, earner id, credential id)."""
    _, key = new_issuer(issuer)
    tpl = active_template(client, key, name=credential, skills=list(skills))
    cid = json.loads(issue(client, key, tpl, email=email).body)["id"]
    b = Browser(client)
    wallet_sign_in(b, email)
    res = b.post(f"/wallet/credentials/{cid}/decision", {"decision": "accept",
                                                         "csrf": csrf_of(b.text(b.get("/wallet")))})
    assert res.status_code == 303, res.body
    csrf = csrf_of(b.text(b.get("/wallet/settings")))
    assert b.post("/wallet/settings/profile", {"csrf": csrf, "display_name": name, "profile": "private",
                                               "headline": ""}).status_code == 303
    from chalicelib.store import earners

    return b, earners.email_owner(ids.email_hash(email)), cid


def _invite(admin: Browser, emails: str):
    return admin.post("/console/workforce/invitations", {"emails": emails, "csrf": console_csrf(admin,
                                                                                                "/console/workforce")})


def _invitation_link(to: str) -> str:
    for m in reversed(sent_mail()):
        found = re.search(r"https?://[^/\s\"]+(/wallet/invitations/[0-9a-f]{16}\.[a-z2-7]{32})", m["body"])
        if m["to"] == [to] and found:
            return found.group(1)
    raise AssertionError(f"no workforce invitation mailed to {to}")


def _answer(b: Browser, link: str, decision: str = "accept"):
    page = b.get(link)
    assert page.status_code == 200, page.body
    return b.post(link, {"decision": decision, "csrf": csrf_of(b.text(page))})


def _linked(client, acme, email: str = GRACE, **earner) -> tuple[Browser, str, str]:
    _, admin = acme
    b, earner_id, cid = _earner(client, email, **earner)
    assert _invite(admin, email).status_code == 200
    res = _answer(b, _invitation_link(email))
    assert res.status_code == 303 and res.headers["Location"] == "/wallet/privacy?done=linked", res.body
    return b, earner_id, cid


def _post(browser: Browser, path: str, fields: dict):
    """A form post with repeated fields (checkboxes)."""
    from urllib.parse import urlencode

    h = browser._headers({"Content-Type": "application/x-www-form-urlencoded"})
    return browser._keep(browser.client.http.post(path, headers=h, body=urlencode(fields, doseq=True)))


def _search(admin: Browser, q: str) -> str:
    res = admin.get(f"/console/workforce/search?q={q}")
    assert res.status_code == 200, res.body
    return admin.text(res)


def _results(html: str) -> str:
    """The results table alone (the search box echoes the query)."""
    found = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return found.group(1) if found else ""


# ------------------------------------------------------------------ invite, link, search


def test_an_invited_employee_who_links_is_found_by_skill_with_its_sources(client, acme):
    tenant, admin = acme
    _linked(client, acme)
    mail = next(m for m in sent_mail() if m["to"] == [GRACE] and "/wallet/invitations/" in m["body"])
    assert "Acme Corp" in mail["subject"] and "Acme Corp" in mail["body"]
    html = _search(admin, "python")
    assert "Grace Hopper" in _results(html)
    assert "Python" in _results(html) and "Data Steward" in _results(html) and "Open University" in _results(html)
    assert "Leadership" not in _results(html), "only the matching skills are listed"
    # a skill key works as well as words; several skills: employees holding all of them
    assert "Grace Hopper" in _results(_search(admin, "text:python,leader"))
    assert "Grace Hopper" not in _results(_search(admin, "python,cobol"))
    # the employees page lists her with her skills; the earner's privacy page lists the organization
    assert "Grace Hopper" in admin.text(admin.get("/console/workforce"))
    entry = next(i for i in scan_table() if i["pk"] == f"T#{tenant}#WF")
    assert set(json.loads(entry["skills"])) == {"text:python", "text:leadership"}


def test_the_invitation_page_says_exactly_what_the_organization_will_see(client, acme):
    _, admin = acme
    b, _, _ = _earner(client)
    _invite(admin, GRACE)
    page = b.text(b.get(_invitation_link(GRACE)))
    assert "Acme Corp" in page and "Python" in page and "Data Steward, by Open University" in page
    assert "Nothing else" in page


def test_declining_links_nothing_and_uses_the_invitation_up(client, acme):
    tenant, admin = acme
    b, earner_id, _ = _earner(client)
    _invite(admin, GRACE)
    link = _invitation_link(GRACE)
    res = _answer(b, link, "decline")
    assert res.headers["Location"] == "/wallet/privacy?done=declined"
    assert not [i for i in scan_table() if i["pk"] in (f"T#{tenant}#WF", f"T#{tenant}#WFINV")
                or i["sk"] == f"EMPLOYER#{tenant}"]
    assert "Grace Hopper" not in _results(_search(admin, "python"))
    assert b.get(link).status_code == 404, "a declined invitation cannot be accepted later"


def test_unlinking_removes_the_employee_from_search_and_teams_at_once(client, acme):
    tenant, admin = acme
    b, earner_id, _ = _linked(client, acme)
    csrf = console_csrf(admin, "/console/workforce/teams")
    res = admin.post("/console/workforce/teams", {"csrf": csrf, "name": "Data team", "members": earner_id})
    assert res.status_code == 303, res.body
    team = res.headers["Location"].split("/")[-1].split("?")[0]
    assert "Python" in admin.text(admin.get(f"/console/workforce/teams/{team}"))
    privacy = b.text(b.get("/wallet/privacy"))
    assert "Acme Corp" in privacy and f"/wallet/employers/{tenant}/unlink" in privacy
    res = b.post(f"/wallet/employers/{tenant}/unlink", {"csrf": csrf_of(privacy)})
    assert res.headers["Location"] == "/wallet/privacy?done=unlinked"
    assert "Grace Hopper" not in _results(_search(admin, "python"))
    team_page = admin.text(admin.get(f"/console/workforce/teams/{team}"))
    assert "Python" not in team_page and "0 members still linked" in team_page
    assert "Grace Hopper" not in admin.text(admin.get("/console/workforce"))
    assert not [i for i in scan_table() if i["pk"] == f"T#{tenant}#WF" or i["sk"] == f"EMPLOYER#{tenant}"]
    # unlinking again: nothing to unlink
    assert b.post(f"/wallet/employers/{tenant}/unlink", {"csrf": csrf_of(privacy)}).status_code == 404


def test_a_hidden_or_revoked_credentials_skills_never_reach_the_employer(client, acme):
    from chalicelib.services import skill_profile

    _, admin = acme
    b, earner_id, cid = _linked(client, acme)
    # a second credential, from another issuer, naming SQL
    _, key = new_issuer("Night School")
    tpl = active_template(client, key, name="SQL Basics", skills=["SQL"])
    sql = json.loads(issue(client, key, tpl, email=GRACE).body)["id"]
    b.post(f"/wallet/credentials/{sql}/decision", {"decision": "accept", "csrf": csrf_of(b.text(b.get("/wallet")))})
    skill_profile.refresh(earner_id)  # (the profile branch calls this on accept)
    assert "SQL Basics" in _results(_search(admin, "sql"))
    csrf = csrf_of(b.text(b.get(f"/wallet/credentials/{cid}")))
    assert b.post(f"/wallet/credentials/{cid}/visibility", {"visibility": "private", "csrf": csrf}).status_code == 303
    skill_profile.refresh(earner_id)  # (the profile branch calls this on hide)
    assert "Grace Hopper" not in _results(_search(admin, "python"))
    assert "Data Steward" not in json.dumps([i for i in scan_table() if "#WF" in i["pk"]])
    from tests.helpers import auth

    res = client.http.post(f"/credentials/{sql}/revoke", headers=auth(key), body=json.dumps({"reason": "error"}))
    assert res.status_code == 200, res.body
    skill_profile.refresh(earner_id)  # (the profile branch calls this on revoke)
    assert "Grace Hopper" not in _results(_search(admin, "sql"))
    assert "Grace Hopper" in admin.text(admin.get("/console/workforce")), "still linked, with nothing counted"


def test_restriction_and_erasure_remove_the_earner_from_every_workforce_index(client, acme):
    tenant, admin = acme
    b, earner_id, _ = _linked(client, acme)
    tenant_b, _ = new_organization("Beta Works", "bea@beta.example")
    beta = sign_in(client, "bea@beta.example")
    _grant(tenant_b, "bea@beta.example")
    _invite(beta, GRACE)
    assert _answer(b, _invitation_link(GRACE)).status_code == 303
    assert "Grace Hopper" in _results(_search(beta, "python"))
    res = b.post("/wallet/restrict", {"csrf": csrf_of(b.text(b.get("/wallet/privacy")))})
    assert res.status_code == 303
    for org in (admin, beta):
        assert "Grace Hopper" not in _results(_search(org, "python"))
        assert "Grace Hopper" not in org.text(org.get("/console/workforce"))
    assert not [i for i in scan_table() if i["pk"].endswith("#WF")]
    assert len([i for i in scan_table() if i["sk"].startswith("EMPLOYER#")]) == 2, "restriction keeps the links"
    from tests.helpers import delete_account

    assert delete_account(b).status_code == 200
    assert not [i for i in scan_table() if i["pk"].endswith("#WF") or i["sk"].startswith("EMPLOYER#")]


def test_erasure_of_a_linked_earner_leaves_no_trace_in_the_organizations_index(client, acme):
    tenant, admin = acme
    b, earner_id, _ = _linked(client, acme)
    from tests.helpers import delete_account

    assert delete_account(b).status_code == 200
    assert "Grace Hopper" not in _results(_search(admin, "python"))
    assert earner_id not in json.dumps(scan_table(), default=str)


def test_the_export_includes_the_employer_links(client, acme):
    tenant, _ = acme
    b, earner_id, _ = _linked(client, acme)
    from chalicelib.services import rights

    data = rights.build_export(rights.person_of_earner(earner_id))
    profile = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("profile.json"))
    assert profile["employers"] == [{"organization": "Acme Corp", "organization_id": tenant,
                                     "invited_address": GRACE, "linked_at": profile["employers"][0]["linked_at"]}]


# ------------------------------------------------------------------ the invitation's link: attacker paths


def test_a_replayed_invitation_is_refused_and_changes_nothing(client, acme):
    b, _, _ = _linked(client, acme)
    link = _invitation_link(GRACE)
    before = scan_table()
    page = b.get(link)
    assert page.status_code == 404
    res = b.post(link, {"decision": "accept", "csrf": csrf_of(b.text(b.get("/wallet/privacy")))})
    assert res.status_code == 404
    assert scan_table() == before


def test_a_forged_invitation_token_is_refused(client, acme):
    tenant, admin = acme
    b, _, _ = _earner(client)
    _invite(admin, GRACE)
    real = _invitation_link(GRACE)
    before = scan_table()
    forged = real[:-4] + ("aaaa" if not real.endswith("aaaa") else "bbbb")
    csrf = csrf_of(b.text(b.get("/wallet/privacy")))
    for link in (forged, f"/wallet/invitations/{tenant}.{ids.random_token()}", "/wallet/invitations/nonsense"):
        assert b.get(link).status_code == 404, link
        assert b.post(link, {"decision": "accept", "csrf": csrf}).status_code == 404, link
    assert scan_table() == before
    assert b.get(real).status_code == 200, "the real one still works"


def test_an_invitation_for_another_address_cannot_be_answered(client, acme):
    tenant, admin = acme
    _earner(client, "alan@example.com", name="Alan Turing")
    mallory, _, _ = _earner(client, "mallory@example.com", name="Mallory")
    _invite(admin, "alan@example.com")
    link = _invitation_link("alan@example.com")
    page = mallory.get(link)
    assert page.status_code == 200 and "for another address" in mallory.text(page)
    assert "Link my wallet" not in mallory.text(page)
    before = scan_table()
    res = mallory.post(link, {"decision": "accept", "csrf": csrf_of(mallory.text(page))})
    assert res.status_code == 403
    assert scan_table() == before


def test_an_expired_invitation_is_gone(client, acme):
    import boto3

    from chalicelib.domain.clock import iso
    from chalicelib.services import clock

    tenant, admin = acme
    b, _, _ = _earner(client)
    _invite(admin, GRACE)
    link = _invitation_link(GRACE)
    [item] = [i for i in scan_table() if i["pk"] == f"T#{tenant}#WFINV"]
    assert item["expires_at"] > iso(clock.utcnow() + timedelta(days=29)), "30 days"
    boto3.resource("dynamodb", region_name="us-east-1").Table("laurel-test").update_item(
        Key={"pk": item["pk"], "sk": item["sk"]}, UpdateExpression="SET expires_at = :t",
        ExpressionAttributeValues={":t": iso(clock.utcnow() - timedelta(seconds=1))})
    before = scan_table()
    assert b.get(link).status_code == 410
    assert b.post(link, {"decision": "accept", "csrf": csrf_of(b.text(b.get("/wallet/privacy")))}).status_code == 410
    assert scan_table() == before


def test_invitations_are_capped_per_request_and_skip_open_ones(client, acme):
    tenant, admin = acme
    many = "\n".join(f"p{n}@example.com" for n in range(201))
    before = scan_table()
    res = _invite(admin, many)
    assert res.status_code == 400 and "at most 200" in admin.text(res)
    assert scan_table() == before
    res = _invite(admin, "x@example.com, not-an-address")
    assert res.status_code == 400 and scan_table() == before
    assert _invite(admin, "x@example.com; y@example.com").status_code == 200
    res = _invite(admin, "y@example.com\nz@example.com")
    assert "y@example.com" in admin.text(res).split("skipped")[1]
    assert len([i for i in scan_table() if i["pk"] == f"T#{tenant}#WFINV"]) == 3


def test_invitations_are_rate_limited_per_organization(client, acme):
    _, admin = acme
    for n in range(20):
        assert _invite(admin, f"p{n}@example.com").status_code == 200
    before = len([i for i in scan_table() if i["pk"].endswith("#WFINV")])
    res = _invite(admin, "late@example.com")
    assert res.status_code == 429
    assert len([i for i in scan_table() if i["pk"].endswith("#WFINV")]) == before


# ------------------------------------------------------------------ permissions and other organizations


def test_a_member_without_the_workforce_permission_is_refused(client, acme):
    tenant, admin = acme
    other = member(client, tenant, "ian@acme.example", "admin", admin)
    _grant(tenant, "ada@acme.example")  # (the member form re-saved nothing of Ada's)
    for path in ("/console/workforce", "/console/workforce/search?q=python", "/console/workforce/teams",
                 "/console/workforce/roles"):
        assert other.get(path).status_code == 403, path
    assert "/console/workforce" not in other.text(other.get("/console"))
    before = scan_table()
    res = other.post("/console/workforce/invitations", {"emails": GRACE, "csrf": console_csrf(other)})
    assert res.status_code == 403 and scan_table() == before


def test_another_organization_never_sees_employees_teams_or_roles(client, acme, taxonomy):
    tenant, admin = acme
    _, earner_id, _ = _linked(client, acme)
    csrf = console_csrf(admin, "/console/workforce/teams")
    team = admin.post("/console/workforce/teams", {"csrf": csrf, "name": "Data team", "members": earner_id}
                      ).headers["Location"].split("/")[-1].split("?")[0]
    role = admin.post("/console/workforce/roles", {"csrf": csrf, "name": "Analyst", "skills": "Python"}
                      ).headers["Location"].split("/")[-1].split("?")[0]
    tenant_b, _ = new_organization("Beta Works", "bea@beta.example")
    beta = sign_in(client, "bea@beta.example")
    _grant(tenant_b, "bea@beta.example")
    assert "Grace Hopper" not in _results(_search(beta, "python"))
    assert "Grace Hopper" not in beta.text(beta.get("/console/workforce"))
    assert "Data team" not in beta.text(beta.get("/console/workforce/teams"))
    assert "Analyst" not in beta.text(beta.get("/console/workforce/roles"))
    before = scan_table()
    csrf_b = console_csrf(beta)
    for path in (f"/console/workforce/teams/{team}", f"/console/workforce/roles/{role}"):
        assert beta.get(path).status_code == 404, path
    assert beta.post(f"/console/workforce/teams/{team}", {"csrf": csrf_b, "name": "Mine"}).status_code == 404
    assert beta.post(f"/console/workforce/teams/{team}/delete", {"csrf": csrf_b}).status_code == 404
    assert beta.post(f"/console/workforce/roles/{role}/delete", {"csrf": csrf_b}).status_code == 404
    # B cannot put A's employee in its own team either
    assert beta.post("/console/workforce/teams", {"csrf": csrf_b, "name": "Poach", "members": earner_id}
                     ).status_code == 400
    assert scan_table() == before


# ------------------------------------------------------------------ teams, roles, coverage and gaps


@pytest.fixture()
def taxonomy(monkeypatch):
    """A tiny table in place of the ESCO index (services/taxonomy.py is the taxonomy helper's)."""
    import chalicelib.services as services

    occupations = {DEVELOPER: {"uri": DEVELOPER, "label": "software developer", "essential": [PYTHON_URI, SQL_URI]}}
    labels = {PYTHON_URI: "Python (computer programming)", SQL_URI: "SQL"}

    def search(q, kind="skill", limit=10):
        assert kind == "occupation"
        return [{"uri": o["uri"], "label": o["label"]} for o in occupations.values() if q.lower() in o["label"]][:limit]

    fake = types.ModuleType("chalicelib.services.taxonomy")
    fake.search = search
    fake.occupation = lambda uri: occupations.get(uri)
    fake.skill = lambda uri: {"uri": uri, "label": labels[uri]} if uri in labels else None
    try:
        from chalicelib.services import taxonomy as real  # noqa: F401 - landed: patch its functions
    except ImportError:
        monkeypatch.setitem(sys.modules, "chalicelib.services.taxonomy", fake)
        monkeypatch.setattr(services, "taxonomy", fake, raising=False)
        return fake
    for name in ("search", "occupation", "skill"):
        monkeypatch.setattr(real, name, getattr(fake, name))
    return real


def test_team_coverage_and_role_gaps(client, acme, taxonomy):
    tenant, admin = acme
    _, grace, _ = _linked(client, acme)
    _, alan, _ = _linked(client, acme, "alan@example.com", name="Alan Turing", skills=("Python", "Cryptography"))
    csrf = console_csrf(admin, "/console/workforce/teams")
    res = _post(admin, "/console/workforce/teams", {"csrf": csrf, "name": "Core", "members": [grace, alan]})
    team = res.headers["Location"].split("/")[-1].split("?")[0]
    page = admin.text(admin.get(f"/console/workforce/teams/{team}"))
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+) / 2</td></tr>", page)
    assert rows[0] == ("Python", "2") and set(rows[1:]) == {("Leadership", "1"), ("Cryptography", "1")}
    # a role from an ESCO occupation: its essential skills offered, one dropped, one added in words
    found = admin.text(admin.get("/console/workforce/roles?q=developer"))
    assert "software developer" in found
    form = admin.text(admin.get(f"/console/workforce/roles?occupation={DEVELOPER}"))
    assert "Python (computer programming)" in form and 'value="' + SQL_URI + '"' in form
    res = _post(admin, "/console/workforce/roles", {"csrf": csrf, "name": "Developer", "occupation": DEVELOPER,
                                                  "essential": [SQL_URI], "skills": "Leadership\nCryptography"})
    assert res.status_code == 303, res.body
    role = res.headers["Location"].split("/")[-1].split("?")[0]
    gaps = admin.text(admin.get(f"/console/workforce/roles/{role}?team={team}"))
    assert re.search(r"<td>SQL</td><td><strong>Nobody: a gap</strong>", gaps)
    assert "<td>Leadership</td><td>1</td>" in gaps and "<td>Cryptography</td><td>1</td>" in gaps
    # a skill not among the occupation's essential ones is refused
    before = scan_table()
    res = _post(admin, "/console/workforce/roles", {"csrf": csrf, "name": "X", "occupation": DEVELOPER,
                                                  "essential": [ESCO + "00000000-0000-0000-0000-000000000000"]})
    assert res.status_code == 400 and scan_table() == before


def test_searches_and_changes_are_in_the_audit_log(client, acme):
    tenant, admin = acme
    _linked(client, acme)
    _search(admin, "python")
    entries = [i for i in scan_table() if i["pk"] == f"T#{tenant}#AUDIT"]
    routes = [(e["method"], e["route"]) for e in entries]
    assert ("GET", "/console/workforce/search") in routes
    assert ("POST", "/console/workforce/invitations") in routes
    search = next(e for e in entries if e["route"] == "/console/workforce/search")
    target = json.loads(search["target"]) if isinstance(search["target"], str) else search["target"]
    assert target["skills"] == "python" and search["actor_type"] == "member"


def test_a_search_reads_one_query_of_the_organizations_own_partition_and_never_scans(client, acme):
    """Issue 20 item 6: "Search ... must not scan the credential table per request"."""
    from tests.aws_calls import requests

    tenant, admin = acme
    _linked(client, acme)
    _linked(client, acme, "alan@example.com", name="Alan Turing", skills=("Python",))
    with requests() as calls:
        html = _search(admin, "python")
    assert "Grace Hopper" in _results(html) and "Alan Turing" in _results(html)
    dynamo = [c for c in calls if c.name.startswith("dynamodb.")]
    assert not [c for c in dynamo if c.name == "dynamodb.Scan"]
    queries = [c.params for c in dynamo if c.name == "dynamodb.Query"]
    workforce = [q for q in queries if f"T#{tenant}#WF" in json.dumps(q)]
    assert len(workforce) == 1, queries
    assert not [q for q in queries if "#C" in json.dumps(q.get("ExpressionAttributeValues", {}))], \
        "no read of the credential table's partitions"


def test_the_invitation_mail_is_branded_and_in_the_recipients_wallet_language(client, acme):
    """Like the organization's other mails: its sender name and footer; the language of the
    recipient's wallet, else English, never the inviting member's."""
    from chalicelib import i18n
    from chalicelib.services import workforce
    from chalicelib.store import issuers as issuer_store

    tenant, admin = acme
    csrf = console_csrf(admin, "/console/settings")
    res = admin.post("/console/settings/mail", {"csrf": csrf, "from_name": "Acme People Team",
                                                "reply_to": "people@acme.example", "footer": "Acme Corp, Leeds"})
    assert res.status_code == 303, res.body
    assert issuer_store.get_issuer(tenant).mail_from_name == "Acme People Team"
    b, _, _ = _earner(client)
    csrf = csrf_of(b.text(b.get("/wallet/settings")))
    assert b.post("/wallet/settings/language", {"locale": "fr", "csrf": csrf}).status_code == 303
    from chalicelib.domain.members import Member

    ada = Member(tenant, "0" * 16, "ada@acme.example", "admin", grants=frozenset({"workforce"}))
    with i18n.using("ja"):
        assert workforce.invite(ada, f"{GRACE}\nnew.hire@example.com")["mailed"] == 2
    mails = {m["to"][0]: m for m in sent_mail() if "/wallet/invitations/" in m["body"]}
    assert '<html lang="fr">' in mails[GRACE]["body"]
    assert '<html lang="en">' in mails["new.hire@example.com"]["body"]
    for m in mails.values():
        assert "Acme People Team" in m["from"] and "Acme Corp, Leeds" in m["body"]


def test_the_invitation_link_asks_a_signed_out_earner_to_sign_in_and_comes_back(client, acme):
    from urllib.parse import parse_qs, urlsplit

    _, admin = acme
    _earner(client)
    _invite(admin, GRACE)
    link = _invitation_link(GRACE)
    stranger = Browser(client)
    res = stranger.get(link)
    assert res.status_code == 303
    assert parse_qs(urlsplit(res.headers["Location"]).query)["next"] == [link]
    before = scan_table()
    assert stranger.post(link, {"decision": "accept", "csrf": "x"}).status_code == 401
    assert scan_table() == before


def test_an_organization_that_leaves_takes_its_workforce_data_with_it(client, acme):
    """Offboarding deletes the employees' links to it (a restricted employee's too), its
    index of their skills, pending invitations, teams and roles; the employees' wallets
    keep everything else."""
    from chalicelib.services import offboarding

    tenant, admin = acme
    _, grace, _ = _linked(client, acme)
    alan_b, alan, _ = _linked(client, acme, "alan@example.com", name="Alan Turing")
    assert alan_b.post("/wallet/restrict", {"csrf": csrf_of(alan_b.text(alan_b.get("/wallet/privacy")))}
                       ).status_code == 303
    csrf = console_csrf(admin, "/console/workforce/teams")
    assert admin.post("/console/workforce/teams", {"csrf": csrf, "name": "Core", "members": grace}).status_code == 303
    assert admin.post("/console/workforce/roles", {"csrf": csrf, "name": "Analyst", "skills": "SQL"}
                      ).status_code == 303
    _invite(admin, "later@example.com")
    plan = offboarding.dry_run(tenant)
    assert plan["delete"]["workforce"]["count"] == 2 + 1 + 1 + 1 + 1  # 2 links, Grace's entry, invitation, team, role
    offboarding.confirm(tenant, plan["confirmation"]["token"])
    left = [i for i in scan_table() if i["pk"].startswith(f"T#{tenant}#WF") or f"EMPLOYER#{tenant}" == i["sk"]
            or i["sk"].startswith(("TEAM#", "ROLE#"))]
    assert left == []
    assert [i for i in scan_table() if i["pk"] == f"EARNER#{grace}" and i["sk"] == "PROFILE"], "the wallet stays"


def test_a_restricted_earner_may_link_but_the_organization_sees_nothing_until_it_is_lifted(client, acme):
    tenant, admin = acme
    b, earner_id, _ = _earner(client)
    assert b.post("/wallet/restrict", {"csrf": csrf_of(b.text(b.get("/wallet/privacy")))}).status_code == 303
    _invite(admin, GRACE)
    link = _invitation_link(GRACE)
    page = b.text(b.get(link))
    assert "Everything in your wallet is hidden now" in page and "Data Steward" not in page
    assert _answer(b, link).headers["Location"] == "/wallet/privacy?done=linked"
    assert [i for i in scan_table() if i["sk"] == f"EMPLOYER#{tenant}"]
    assert not [i for i in scan_table() if i["pk"] == f"T#{tenant}#WF"]
    assert "Grace Hopper" not in admin.text(admin.get("/console/workforce"))
