"""The dashboard (issue 15 item 2) and the operators' platform trends (item 5), over the
engagement counters as the aggregator writes them (store/engagement.apply, ENG's real
write path, into the moto table): the console page and each template's, the issuer
API's JSON form, the range's refusals, the CSP the charts live under, a cost that does
not grow with the organization's credentials, and the operators' view where no group
smaller than 5 and no organization shows."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from tests.aws_calls import recording
from tests.conftest import body
from tests.console_helpers import member, new_organization, sign_in
from tests.helpers import active_template, auth, issue

TODAY = datetime.now(timezone.utc).date()


def put_counters(tenant_id: str, day: date, counters: dict, template_id: str | None = None) -> None:
    """Counters of one day, added where the aggregator adds an event's: the tenant's day,
    its totals, the platform's day and (with a template) the template's day."""
    from chalicelib.domain.engagement import Scope
    from chalicelib.store import engagement

    text = day.isoformat()
    adds = [(Scope("tenant_day", tenant_id, text), counters), (Scope("tenant_total", tenant_id), counters),
            (Scope("platform_day", day=text), {k: v for k, v in counters.items()})]
    if template_id:
        adds.append((Scope("template_day", tenant_id, text, template_id),
                     {k: v for k, v in counters.items() if not k.startswith("skill.")}))
    assert engagement.apply([(uuid.uuid4().hex, adds)], int(datetime.now(timezone.utc).timestamp())) == 1


def _text(response) -> str:
    return response.body.decode() if isinstance(response.body, bytes) else response.body


def _rows(html: str, chart_id: str) -> list[list[str]]:
    """The data table beside a chart: each row's header and cells, as text."""
    section = html.split(f'<section class="card chart" aria-labelledby="{chart_id}-heading">', 1)[1]
    table = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


@pytest.fixture()
def org(client):
    tenant_id, key = new_organization("Acme Academy", "ada@acme.example")
    admin = sign_in(client, "ada@acme.example")
    template_id = active_template(client, key, name="Python Basics")
    return SimpleNamespace(client=client, tenant_id=tenant_id, key=key, admin=admin, template_id=template_id)


# a Monday-to-Sunday week inside the last 90 days, and the range around it
MONDAY = TODAY - timedelta(days=TODAY.weekday() + 14)
START, END = MONDAY - timedelta(days=7), MONDAY + timedelta(days=6)
RANGE = f"from={START.isoformat()}&to={END.isoformat()}"


def _label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _seed(org) -> None:
    from chalicelib.domain.engagement import latency_bucket

    hour, day = f"accept_s.{latency_bucket(3600)}", f"accept_s.{latency_bucket(2 * 86400)}"
    put_counters(org.tenant_id, MONDAY, {"issued": 12, "pending_out": 5, "accepted": 4, "rejected": 1,
                                         hour: 1, day: 3, "view.person": 30, "view.crawler": 6,
                                         "ref.linkedin": 21, "ref.email": 9, "share.linkedin": 7, "share.x": 2,
                                         "linkedin_add": 3, "skill.Python": 12}, org.template_id)
    put_counters(org.tenant_id, MONDAY + timedelta(days=2), {"revoked": 1, "view.person": 2}, org.template_id)


# ------------------------------------------------------------------ the console's dashboard


def test_the_dashboard_shows_the_weeks_the_funnel_views_shares_templates_and_skills(org):
    _seed(org)
    res = org.admin.get(f"/console/dashboard?{RANGE}")
    html = _text(res)
    assert res.status_code == 200, html
    assert '<a href="/console/dashboard" aria-current="page">Dashboard</a>' in html
    # per ISO week: issued, accepted, rejected, revoked, expired; the earlier week is empty
    assert _rows(html, "lifecycle") == [[_label(START), "0", "0", "0", "0", "0"],
                                        [_label(MONDAY), "12", "4", "1", "1", "0"]]
    # pending at each week's end (contract formula): 12 issued - 5 left pending = 7 since MONDAY
    assert _rows(html, "pending") == [[_label(START), "0"], [_label(MONDAY), "7"]]
    assert _rows(html, "funnel") == [["Issued", "12"], ["Accepted", "4"], ["Rejected", "1"], ["Still pending", "7"]]
    assert _rows(html, "views") == [[_label(START), "0", "0"], [_label(MONDAY), "32", "6"]]
    networks = dict(r for r in _rows(html, "networks"))
    assert networks["LinkedIn"] == "21" and networks["Email"] == "9" and networks["Facebook"] == "0"
    shares = dict(r for r in _rows(html, "shares"))
    assert shares["LinkedIn"] == "7" and shares["X"] == "2" and shares["LinkedIn: add to profile"] == "3"
    assert _rows(html, "top_templates_issued") == [["Python Basics", "12"]]
    assert f'<a href="/console/dashboard/templates/{org.template_id}">Python Basics</a>' in html
    assert _rows(html, "top_templates_viewed") == [["Python Basics", "32"]]
    assert _rows(html, "skills") == [["Python", "12"]]
    # 4 acceptances: 1 after ~1 hour, 3 after ~2 days: the median (2nd) is ~2 days
    assert re.search(r"<dt>Median time to accept</dt><dd>2(\.\d)? days", html), html
    assert "<dt>Acceptance rate</dt><dd>80.0 %" in html


def test_each_chart_is_an_accessible_svg_that_keeps_to_the_csp(org):
    _seed(org)
    res = org.admin.get(f"/console/dashboard?{RANGE}")
    html = _text(res)
    svgs = re.findall(r"<svg [^>]*>", html)
    assert len(svgs) == 9, svgs  # lifecycle, pending, funnel, views, networks, shares, 2 x templates, skills
    for tag in svgs:
        chart_id = re.search(r'id="chart-([a-z_]+)"', tag).group(1)
        assert 'role="img"' in tag and f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in tag
        assert f'<title id="{chart_id}-title">' in html and f'<desc id="{chart_id}-desc">' in html
        assert f'<caption id="{chart_id}-caption">' in html  # the table beside it
    body_part = html.split("</head>", 1)[1]
    assert "<script" not in body_part and "<style" not in body_part and " style=" not in body_part
    # the charts' stylesheet is one <style> in the head, allowed by its hash; the CSP is the console's otherwise
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    csp = res.headers["Content-Security-Policy"]
    for css in styles:
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert any("#chart-lifecycle" in css for css in styles)
    assert "unsafe-inline" not in csp and "script-src 'self';" in csp


def test_an_organization_sees_only_its_own_counters(org, client):
    _seed(org)
    other_id, _ = new_organization("Beta Institute", "bea@beta.example")
    put_counters(other_id, MONDAY, {"issued": 777, "view.person": 888})
    html = _text(org.admin.get(f"/console/dashboard?{RANGE}"))
    cells = [cell for chart in re.findall(r'<caption id="(\w+)-caption">', html) for row in _rows(html, chart)
             for cell in row]
    assert "12" in cells and "777" not in cells and "888" not in cells
    assert "Beta Institute" not in html
    assert _rows(html, "funnel")[0] == ["Issued", "12"]


def test_every_role_may_see_the_dashboard(org, client):
    _seed(org)
    reader = member(client, org.tenant_id, "rita@acme.example", "read_only", org.admin)
    res = reader.get(f"/console/dashboard?{RANGE}")
    assert res.status_code == 200 and _rows(_text(res), "funnel")[0] == ["Issued", "12"]


def test_the_default_range_is_the_last_90_days(org):
    html = _text(org.admin.get("/console/dashboard"))
    first = (TODAY - timedelta(days=89)).isoformat()
    assert f'value="{first}"' in html and f'value="{TODAY.isoformat()}"' in html


@pytest.mark.parametrize(("query", "message"), [
    ("from=2026-02-30", "from must be a day written YYYY-MM-DD"),
    ("to=tomorrow", "to must be a day written YYYY-MM-DD"),
    ("from=2026-03-02&to=2026-03-01", "the range starts after it ends"),
    ("from=2025-01-01&to=2026-03-01", "the range is longer than 366 days"),
    ("from=2026-03-01&from=2026-03-02", "query parameter from is given more than once"),
    # the weeks of these ranges lie outside what a date can hold: refused, not a 500
    ("to=0001-01-01", "to must be a day written YYYY-MM-DD"),
    ("from=9999-12-31&to=9999-12-31", "from must be a day written YYYY-MM-DD"),
])
def test_a_bad_range_is_a_clear_400_page(org, query, message):
    res = org.admin.get(f"/console/dashboard?{query}")
    assert res.status_code == 400
    assert res.headers["Content-Type"].startswith("text/html") and message in _text(res)


# ------------------------------------------------------------------ one template's dashboard


def test_a_templates_dashboard_shows_that_template_only(org):
    _seed(org)
    other_template = active_template(org.client, org.key, name="SQL Basics")
    put_counters(org.tenant_id, MONDAY, {"issued": 50, "view.person": 60}, other_template)
    res = org.admin.get(f"/console/dashboard/templates/{org.template_id}?{RANGE}")
    html = _text(res)
    assert res.status_code == 200, html
    assert "<h1>Dashboard: Python Basics</h1>" in html
    assert _rows(html, "funnel") == [["Issued", "12"], ["Accepted", "4"], ["Rejected", "1"], ["Still pending", "7"]]
    assert _rows(html, "views")[-1] == [_label(MONDAY), "32", "6"]
    assert "SQL Basics" not in html and 'id="chart-skills"' not in html


def test_another_organizations_template_is_not_found(org, client):
    new_organization("Beta Institute", "bea@beta.example")
    beta = sign_in(client, "bea@beta.example")
    _seed(org)
    for path in (f"/console/dashboard/templates/{org.template_id}", "/console/dashboard/templates/nosuchtemplate0"):
        res = beta.get(path)
        assert res.status_code == 404, path
        assert "Python Basics" not in _text(res)


# ------------------------------------------------------------------ cost: counters only


def _big(org, credentials: int) -> None:
    """`credentials` credentials of the organization, written straight to the table."""
    from tests.integration.test_console_credentials import _copies

    res = issue(org.client, org.key, org.template_id, suppress_email=True)
    assert res.status_code == 201, res.body
    _copies(org.tenant_id, body(res)["id"], credentials - 1, datetime.now(timezone.utc) - timedelta(days=3))


def test_the_dashboards_aws_calls_do_not_grow_with_the_organizations_credentials(client):
    calls = {}
    for name, size in (("small", 2), ("large", 400)):
        tenant_id, key = new_organization(f"Org {name}", f"admin@{name}.example")
        admin = sign_in(client, f"admin@{name}.example")
        org = SimpleNamespace(client=client, tenant_id=tenant_id, key=key, admin=admin,
                              template_id=active_template(client, key))
        _big(org, size)
        put_counters(tenant_id, MONDAY, {"issued": size, "view.person": 3 * size}, org.template_id)
        admin.get(f"/console/dashboard?{RANGE}")  # the first render imports what it needs
        with recording() as seen:
            res = admin.get(f"/console/dashboard?{RANGE}")
        assert res.status_code == 200 and _rows(_text(res), "funnel")[0] == ["Issued", str(size)]
        calls[name] = seen
    assert calls["small"] == calls["large"], calls
    assert "dynamodb.Scan" not in calls["large"]
    # the session's reads, then tenant days, totals, template days and the template list; issue 20's
    # network insights: the templates' skills (one Query) and one Query per distinct skill named
    # (template_payload's two), bounded by services/insights.MAX_SKILLS, never by credentials
    assert calls["large"].count("dynamodb.Query") <= 4 + 1 + 2, calls["large"]


# ------------------------------------------------------------------ the issuer API's JSON form


def test_the_issuer_api_gives_the_dashboard_as_json(org):
    _seed(org)
    res = org.client.http.get(f"/analytics/dashboard?{RANGE}", headers=auth(org.key))
    assert res.status_code == 200, res.body
    data = body(res)
    assert data["start"] == START.isoformat() and data["end"] == END.isoformat()
    assert [(w["week"], w["issued"], w["pending"]) for w in data["weeks"]] == [(_label(START), 0, 0),
                                                                               (_label(MONDAY), 12, 7)]
    assert data["funnel"] == {"issued": 12, "accepted": 4, "rejected": 1, "pending": 7}
    assert data["top_templates_issued"] == [{"template_id": org.template_id, "name": "Python Basics", "count": 12}]
    assert data["views_by_network"]["linkedin"] == 21 and data["shares_by_network"]["x"] == 2
    assert data["median_accept_seconds"] > 86400


def test_the_issuer_api_refuses_a_bad_range_and_a_missing_key(org):
    res = org.client.http.get("/analytics/dashboard?from=2026-13-01", headers=auth(org.key))
    assert res.status_code == 400 and body(res)["error"]["code"] == "invalid_query"
    assert org.client.http.get("/analytics/dashboard").status_code == 401


# ------------------------------------------------------------------ the operators' platform trends


@pytest.fixture()
def operator(aws_env):
    from chalicelib.services import ops

    return {"Authorization": f"Bearer {ops.create_operator_key('tests')}"}


def test_platform_trends_add_up_every_organization_and_hide_small_groups(org, client, operator):
    beta_id, _ = new_organization("Beta Institute", "bea@beta.example")
    put_counters(org.tenant_id, MONDAY, {"issued": 20, "accepted": 6, "rejected": 2, "view.person": 40,
                                         "ref.linkedin": 37, "ref.xing": 3, "share.whatsapp": 3,
                                         "skill.Rare skill": 3, "skill.Python": 9}, org.template_id)
    put_counters(beta_id, MONDAY, {"issued": 10, "accepted": 6, "rejected": 1, "view.person": 3})
    res = client.http.get(f"/ops/trends?{RANGE}", headers=operator)
    html = _text(res)
    assert res.status_code == 200, html
    assert _rows(html, "lifecycle") == [[_label(START), "0", "0", "0", "0", "0"],
                                        [_label(MONDAY), "30", "12", "fewer than 5", "0", "0"]]
    assert _rows(html, "funnel") == [["Issued", "30"], ["Accepted", "12"], ["Rejected", "fewer than 5"]]
    networks = dict(r for r in _rows(html, "networks"))
    # 3 from XING is hidden, and LinkedIn's 37 with it (43 people's views - 37 would give the 3 away)
    assert networks["XING"] == "fewer than 5" and networks["LinkedIn"] == "fewer than 5"
    assert dict(r for r in _rows(html, "shares"))["WhatsApp"] == "fewer than 5"
    assert _rows(html, "skills") == [["Python", "9"]]
    assert "Rare skill" not in html
    # a 3 is never shown: not in a table, not in a chart (no bar is drawn for a hidden group)
    cells = [cell for chart in ("lifecycle", "funnel", "networks", "shares", "skills")
             for row in _rows(html, chart) for cell in row[1:]]
    assert "3" not in cells and "fewer than 5" in cells
    funnel_svg = re.search(r'<svg [^>]*id="chart-funnel".*?</svg>', html, re.S).group(0)
    assert len(re.findall(r'class="rect reactive tooltip-trigger"', funnel_svg)) == 2  # Issued, Accepted: no Rejected
    for name in ("Acme Academy", "Beta Institute", org.tenant_id, beta_id, "Python Basics", org.template_id):
        assert name not in html
    assert "Pending" not in "".join(re.findall(r"<h2[^>]*>(.*?)</h2>", html))
    csp = res.headers["Content-Security-Policy"]
    assert "script-src" not in csp and "unsafe-inline" not in csp


def test_platform_trends_as_json_hide_the_same_groups(org, client, operator):
    put_counters(org.tenant_id, MONDAY, {"issued": 20, "rejected": 3})
    res = client.http.get(f"/ops/trends?{RANGE}", headers={**operator, "Accept": "application/json"})
    data = body(res)
    assert data["funnel"] == {"issued": 20, "accepted": 0, "rejected": None}
    assert data["weeks"][-1]["rejected"] is None and "3" not in json.dumps(data["weeks"])
    assert data["top_templates_issued"] == [] and org.tenant_id not in json.dumps(data)


def test_platform_trends_need_an_operator_key(org, client):
    assert client.http.get("/ops/trends").status_code == 401
    assert client.http.get("/ops/trends", headers=auth(org.key)).status_code == 401


# ------------------------------------------------------------------ through the real events


def test_issuing_accepting_and_viewing_move_the_dashboard_through_the_aggregator(client, capsys):
    """ENG's whole path, no counter written by hand: the services write event lines, the
    EngagementAggregator Lambda counts a CloudWatch Logs delivery of them, the dashboard
    reads the counters."""
    from chalicelib.adapters.event_log import awslogs_event
    from chalicelib.services import claims
    from tests.conftest import sent_mail
    from tests.helpers import claim_token_from

    tenant_id, key = new_organization("Acme Academy", "ada@acme.example")
    admin = sign_in(client, "ada@acme.example")
    template_id = active_template(client, key)  # "Data Steward", skills Data quality and Governance
    ids = [body(issue(client, key, template_id, email=f"p{n}@example.com"))["id"] for n in range(2)]
    claims.decide(ids[0], claim_token_from(sent_mail()[-2]["body"], ids[0]), "accept")
    browser = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/120.0 Safari/537.36")
    assert client.http.get(f"/badges/{ids[0]}?ref=linkedin", headers={"Accept": "text/html",
                                                                      "User-Agent": browser}).status_code == 200
    assert client.http.get(f"/badges/{ids[0]}", headers={"Accept": "text/html",
                                                         "User-Agent": "LinkedInBot/1.0"}).status_code == 200
    lines = [line for line in capsys.readouterr().out.splitlines() if '"laurel_engagement"' in line]
    client.lambda_.invoke("EngagementAggregator", awslogs_event(lines))

    html = _text(admin.get("/console/dashboard"))
    assert _rows(html, "funnel") == [["Issued", "2"], ["Accepted", "1"], ["Rejected", "0"], ["Still pending", "1"]]
    assert _rows(html, "views")[-1][1:] == ["1", "1"]  # one person, one crawler
    assert dict(r for r in _rows(html, "networks"))["LinkedIn"] == "1"
    assert _rows(html, "top_templates_issued") == [["Data Steward", "2"]]
    assert sorted(_rows(html, "skills")) == [["Data quality", "2"], ["Governance", "2"]]
    assert re.search(r"<dt>Median time to accept</dt><dd>\d+(\.\d)? (second|minute)s?", html), html
