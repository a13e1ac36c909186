"""Badge templates in the issuer console: created, edited, given an image, activated,
archived and duplicated through the pages' own forms; the list's search and state
filter; the editor's live preview (htmx fragment, and the whole page without
JavaScript); image uploads held to the API's checks and messages; the console's CSP
and its one vendored script."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

from markupsafe import escape
from PIL import Image

from tests.conftest import body, list_bucket, scan_table
from tests.console_helpers import console_csrf, member, new_organization, sign_in
from tests.helpers import PNG, auth, post, template_payload

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
       b'<circle cx="50" cy="50" r="40" fill="#2c4fb8"/></svg>')


def upload(browser, path: str, fields: dict, files: dict):
    """A multipart/form-data post, as a browser sends a form with a file input.
    `files`: name -> (file name, bytes, declared type)."""
    from urllib3 import encode_multipart_formdata

    data, content_type = encode_multipart_formdata({**fields, **files})
    return browser._keep(browser.client.http.post(path, headers=browser._headers({"Content-Type": content_type}),
                                                  body=data))


def template_form(csrf: str, **overrides) -> dict:
    fields = {"csrf": csrf, "name": "Data Steward", "description": "Knows how to keep data tidy.",
              "criteria_narrative": "Pass the data stewardship course.", "criteria_url": "",
              "skills": "Data quality, Governance", "kind": "certification", "expiry_unit": "years",
              "expiry_amount": "2"}
    return {**fields, **overrides}


def templates_stored(tenant_id: str) -> list[dict]:
    return [i for i in scan_table() if i["pk"] == f"T#{tenant_id}" and i["sk"].startswith("TPL#")]


def audit_entries(tenant_id: str) -> list[dict]:
    return [i for i in scan_table() if i["pk"].startswith(f"T#{tenant_id}#AUDIT")]


def create(admin, **overrides) -> str:
    res = admin.post("/console/templates", template_form(console_csrf(admin, "/console/templates/new"), **overrides))
    assert res.status_code == 303, admin.text(res)[:3000]
    return re.fullmatch(r"/console/templates/([0-9a-f]{16})\?done=created", res.headers["Location"]).group(1)


def test_an_admin_creates_edits_gives_an_image_and_activates_a_template_through_the_forms(client):
    tenant_id, _ = new_organization()
    admin = sign_in(client, "ada@acme.example")
    csrf = console_csrf(admin, "/console/templates/new")

    # a form with problems: the page again, each problem named, the values kept, nothing stored
    res = admin.post("/console/templates", template_form(csrf, name=" ", criteria_narrative="", expiry_amount="",
                                                         skills="SQL, " + "x" * 101))
    page = admin.text(res)
    assert res.status_code == 422
    assert 'href="#f-name">Name</a>' in page and 'href="#f-criteria_narrative">Criteria</a>' in page
    assert "criteria needs a narrative, a url, or both" in page and "an expiry in years needs an amount" in page
    assert "Skills</a>: tag 2: String should have at most 100 characters" in page
    assert 'aria-invalid="true" aria-describedby="skills-hint e-skills"' in page  # the hint and the problem
    assert 'id="f-name" name="name" value=" "' in page and "Knows how to keep data tidy." in page
    assert templates_stored(tenant_id) == []

    template_id = create(admin, skills="Data quality, Governance, data QUALITY, ")
    [item] = templates_stored(tenant_id)
    assert item["state"] == "draft" and item["name"] == "Data Steward" and item["kind"] == "certification"
    assert json.loads(item["skills"]) == ["Data quality", "Governance"]  # tags: trimmed, each once
    assert json.loads(item["expiry"]) == {"unit": "years", "amount": 2}
    assert json.loads(item["criteria"]) == {"narrative": "Pass the data stewardship course."}

    res = admin.post(f"/console/templates/{template_id}", template_form(
        csrf, name="Data Steward II", kind="micro-credential", skills="SQL\nPython", expiry_unit="never",
        expiry_amount="", criteria_url="https://acme.example/criteria"))
    assert res.status_code == 303 and res.headers["Location"] == f"/console/templates/{template_id}?done=saved"
    [item] = templates_stored(tenant_id)
    assert item["name"] == "Data Steward II" and item["kind"] == "micro-credential"
    assert json.loads(item["skills"]) == ["SQL", "Python"] and json.loads(item["expiry"]) == {"unit": "never"}
    assert json.loads(item["criteria"]) == {"narrative": "Pass the data stewardship course.",
                                            "url": "https://acme.example/criteria"}

    # activating needs the image first: the API's refusal, as a page
    res = admin.post(f"/console/templates/{template_id}/activate", {"csrf": csrf})
    assert res.status_code == 409 and "upload the badge image before activating" in admin.text(res)
    res = upload(admin, f"/console/templates/{template_id}/image", {"csrf": csrf},
                 {"image": ("badge.png", PNG, "image/png")})
    assert res.status_code == 303 and res.headers["Location"].endswith("?done=image")
    [item] = templates_stored(tenant_id)
    assert item["image_key"].endswith(".png") and item["image_key"] in list_bucket()
    res = admin.post(f"/console/templates/{template_id}/activate", {"csrf": csrf})
    assert res.status_code == 303
    assert templates_stored(tenant_id)[0]["state"] == "active"
    page = admin.text(admin.get(f"/console/templates/{template_id}?done=activated"))
    assert "The template is active" in page and 'class="tag state-active"' in page

    # every write was audited once, with the member as the actor
    entries = audit_entries(tenant_id)
    assert sorted(e["route"] for e in entries) == sorted([
        "/console/templates", "/console/templates/{template_id}", "/console/templates/{template_id}/image",
        "/console/templates/{template_id}/activate"])
    assert {e["actor_type"] for e in entries} == {"member"}


def test_images_pass_the_apis_checks_with_its_messages_and_a_refused_one_stores_nothing(client):
    tenant_id, key = new_organization()
    admin = sign_in(client, "ada@acme.example")
    template_id = create(admin)
    csrf = console_csrf(admin, f"/console/templates/{template_id}")
    jpeg = io.BytesIO()
    Image.new("RGB", (50, 50)).save(jpeg, format="JPEG")
    wide = io.BytesIO()
    Image.new("RGB", (3000, 100)).save(wide, format="PNG")
    bad = {
        "a JPEG called a PNG": (jpeg.getvalue(), "image/png", 422),
        "a PNG too wide": (wide.getvalue(), "image/png", 422),
        "a PNG too heavy": (b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024), "image/png", 413),
        "an SVG with a script": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                                 "image/svg+xml", 422),
    }
    before_bucket, before_item = list_bucket(), templates_stored(tenant_id)
    for name, (data, declared, status) in bad.items():
        res = upload(admin, f"/console/templates/{template_id}/image", {"csrf": csrf},
                     {"image": ("badge", data, declared)})
        api = client.http.put(f"/templates/{template_id}/image", headers={**auth(key), "Content-Type": declared},
                              body=data)
        page = admin.text(res)
        assert res.status_code == status == api.status_code, name
        message = body(api)["error"]["message"]
        assert f'<p class="field-error" id="e-image" role="alert">{escape(message)}</p>' in page, name
        assert 'aria-invalid="true" aria-describedby="e-image"' in page, name
    # a file that is neither, whatever the browser called it; and no file at all
    res = upload(admin, f"/console/templates/{template_id}/image", {"csrf": csrf},
                 {"image": ("notes.txt", b"just text", "application/octet-stream")})
    assert res.status_code == 422 and "the image must be a PNG or SVG file" in admin.text(res)
    res = upload(admin, f"/console/templates/{template_id}/image", {"csrf": csrf}, {"image": ("", b"", "image/png")})
    assert res.status_code == 422 and "choose a PNG or SVG file to upload" in admin.text(res)
    assert list_bucket() == before_bucket and templates_stored(tenant_id) == before_item

    # a clean SVG is stored as SVG; a PNG the browser called octet-stream is known by its bytes
    res = upload(admin, f"/console/templates/{template_id}/image", {"csrf": csrf},
                 {"image": ("badge.svg", SVG, "image/svg+xml")})
    assert res.status_code == 303
    svg_key = templates_stored(tenant_id)[0]["image_key"]
    assert svg_key.endswith(".svg") and svg_key in list_bucket()
    res = upload(admin, f"/console/templates/{template_id}/image", {"csrf": csrf},
                 {"image": ("badge", PNG, "application/octet-stream")})
    assert res.status_code == 303 and templates_stored(tenant_id)[0]["image_key"].endswith(".png")


def test_an_upload_without_the_forms_csrf_token_is_refused_before_anything_is_read(client):
    tenant_id, _ = new_organization()
    admin = sign_in(client, "ada@acme.example")
    template_id = create(admin)
    before = list_bucket()
    res = upload(admin, f"/console/templates/{template_id}/image", {"csrf": "forged"},
                 {"image": ("badge.png", PNG, "image/png")})
    assert res.status_code == 403
    assert list_bucket() == before and "image_key" not in templates_stored(tenant_id)[0]


def test_archive_asks_for_confirmation_and_a_duplicate_is_a_new_draft_with_the_same_design(client):
    tenant_id, _ = new_organization()
    admin = sign_in(client, "ada@acme.example")
    template_id = create(admin)
    csrf = console_csrf(admin)
    upload(admin, f"/console/templates/{template_id}/image", {"csrf": csrf}, {"image": ("b.png", PNG, "image/png")})
    admin.post(f"/console/templates/{template_id}/activate", {"csrf": csrf})

    res = admin.post(f"/console/templates/{template_id}/archive", {"csrf": csrf})
    assert res.status_code == 422 and templates_stored(tenant_id)[0]["state"] == "active"
    res = admin.post(f"/console/templates/{template_id}/archive", {"csrf": csrf, "confirm": "yes"})
    assert res.status_code == 303 and templates_stored(tenant_id)[0]["state"] == "archived"
    page = admin.text(admin.get(f"/console/templates/{template_id}"))
    assert 'action="/console/templates/' + template_id + '"' not in page  # no editor for an archived template
    assert f"/console/templates/{template_id}/image" not in page and "Duplicate as a new draft" in page
    res = admin.post(f"/console/templates/{template_id}", template_form(csrf, name="Changed"))
    assert res.status_code == 409 and templates_stored(tenant_id)[0]["name"] == "Data Steward"

    res = admin.post(f"/console/templates/{template_id}/duplicate", {"csrf": csrf})
    assert res.status_code == 303
    copy_id = re.fullmatch(r"/console/templates/([0-9a-f]{16})\?done=duplicated", res.headers["Location"]).group(1)
    original, copy = sorted(templates_stored(tenant_id), key=lambda i: i["template_id"] != template_id)
    assert copy["template_id"] == copy_id != template_id
    assert copy["name"] == "Copy of Data Steward" and copy["state"] == "draft"
    for field in ("description", "criteria", "skills", "kind", "expiry", "image_key"):
        assert copy[field] == original[field], field
    res = admin.post(f"/console/templates/{copy_id}/activate", {"csrf": csrf})  # the copy has the image already
    assert res.status_code == 303 and {i["template_id"]: i["state"] for i in templates_stored(tenant_id)} == {
        template_id: "archived", copy_id: "active"}


def test_the_list_searches_names_in_any_case_filters_by_state_and_pages(client):
    tenant_id, key = new_organization()
    admin = sign_in(client, "ada@acme.example")
    made = {}
    for name in ("Data Steward", "Cloud Architect", "data basics", "Big DATA", "Security"):
        made[name] = body(post(client, "/templates", key, template_payload(name=name)))["id"]
    client.http.put(f"/templates/{made['Data Steward']}/image", headers={**auth(key), "Content-Type": "image/png"},
                    body=PNG)
    post(client, f"/templates/{made['Data Steward']}/activate", key, b"")
    post(client, f"/templates/{made['data basics']}/archive", key, b"")

    def names(query: str) -> set[str]:
        page = admin.text(admin.get(f"/console/templates{query}"))
        return set(re.findall(r'<a href="/console/templates/[0-9a-f]{16}">([^<]+)</a>', page))

    assert names("") == set(made)
    assert names("?q=data") == {"Data Steward", "data basics", "Big DATA"}
    assert names("?q=DATA&state=active") == {"Data Steward"}
    assert names("?state=archived") == {"data basics"}
    assert names("?state=draft&q=a") == {"Cloud Architect", "Big DATA"}
    page = admin.text(admin.get("/console/templates?q=nothing+like+it"))
    assert "No template matches." in page
    assert admin.get("/console/templates?state=deleted").status_code == 400

    # more matches than a page holds: the next page carries on where the first stopped
    for n in range(30):
        post(client, "/templates", key, template_payload(name=f"Course {n:02d}"))
    first = admin.text(admin.get("/console/templates?q=course"))
    shown = re.findall(r">(Course \d\d)</a>", first)
    cursor = re.search(r'href="/console/templates\?([^"]+)">Next page</a>', first).group(1).replace("&amp;", "&")
    rest = re.findall(r">(Course \d\d)</a>", admin.text(admin.get(f"/console/templates?{cursor}")))
    assert len(shown) == 25 and len(rest) == 5 and sorted(shown + rest) == [f"Course {n:02d}" for n in range(30)]
    # a cursor made up to read another partition is refused, not followed
    assert admin.get("/console/templates?q=course&cursor=eyJwayI6eyJTIjoiVCNvdGhlciJ9fQ").status_code == 400


def test_the_live_preview_shows_the_public_page_as_typed_and_writes_nothing(client):
    tenant_id, _ = new_organization()
    admin = sign_in(client, "ada@acme.example")
    template_id = create(admin)
    csrf = console_csrf(admin, f"/console/templates/{template_id}")
    upload(admin, f"/console/templates/{template_id}/image", {"csrf": csrf}, {"image": ("b.png", PNG, "image/png")})
    editor = admin.text(admin.get(f"/console/templates/{template_id}"))
    # the editor asks htmx for the preview as the form changes (and when an ESCO skill is picked,
    # issue 20), and it lands in the preview section
    assert 'hx-post="/console/templates/preview" hx-trigger="input changed delay:400ms, skill-picked" ' \
           'hx-target="#template-preview"' in editor
    assert '<section id="template-preview"' in editor

    before = scan_table()
    typed = template_form(csrf, template_id=template_id, name="Cloud <Architect>", skills="AWS, Terraform",
                          expiry_unit="months", expiry_amount="6", criteria_narrative="")
    res = admin.post("/console/templates/preview", typed, headers={"HX-Request": "true"})
    fragment = admin.text(res)
    assert res.status_code == 200 and fragment.startswith('<section id="template-preview"')
    assert "<html" not in fragment and 'name="csrf"' not in fragment
    assert '<h3 id="preview-badge">Cloud &lt;Architect&gt;</h3>' in fragment  # escaped, as the public page does
    assert '<ul class="skills"><li>AWS</li><li>Terraform</li></ul>' in fragment
    assert "Alex Example" in fragment and "Acme Academy" in fragment
    # a date in the page's language (issue 19): "December 1, 2027" in English
    assert re.search(r'<dt>Expires</dt><dd><time datetime="[^"]+">[A-Z][a-z]+ \d{1,2}, \d{4}</time>', fragment)
    assert "/assets/templates/" in fragment  # the template's stored image
    assert "The form has 1 problem to fix" in fragment  # no criteria
    assert scan_table() == before  # nothing saved, and a preview is no action to audit

    # without JavaScript: the Preview button posts the same form and gets the whole page back
    res = admin.post("/console/templates/preview", typed)
    page = admin.text(res)
    assert res.status_code == 200 and "<html" in page
    assert f'action="/console/templates/{template_id}"' in page  # still editing this template
    assert 'value="Cloud &lt;Architect&gt;"' in page and '<h3 id="preview-badge">Cloud &lt;Architect&gt;' in page
    assert scan_table() == before

    # another organization's template cannot be previewed through the form
    new_organization("Beta Institute", "bea@beta.example")
    other = sign_in(client, "bea@beta.example")
    res = other.post("/console/templates/preview", {**typed, "csrf": console_csrf(other)},
                     headers={"HX-Request": "true"})
    assert res.status_code == 404 and "/assets/templates/" not in other.text(res)


def test_the_public_page_still_shows_the_badge_card_from_the_shared_include(client):
    from tests.helpers import active_template, issue

    tenant_id, key = new_organization()
    template_id = active_template(client, key)
    credential = body(issue(client, key, template_id))
    from chalicelib.store import credentials as store

    item = store.get(credential["id"])
    item.update(actions=[type(item).status.set("accepted")])
    page = client.http.get(f"/badges/{credential['id']}", headers={"Accept": "text/html"})
    text = page.body.decode()
    assert page.status_code == 200
    assert '<article class="card badge" aria-labelledby="badge-name">' in text
    assert '<h1 id="badge-name">Data Steward</h1>' in text and '<span class="status valid" role="status">' in text
    assert "<h2>Earning criteria</h2>" in text and "<h2>Skills</h2>" in text


def test_read_only_members_see_templates_without_controls_and_issuers_see_issue_links_they_may_use(client):
    tenant_id, key = new_organization()
    admin = sign_in(client, "ada@acme.example")
    allowed = create(admin, name="Allowed")
    other = create(admin, name="Other")
    csrf = console_csrf(admin)
    for tid in (allowed, other):
        upload(admin, f"/console/templates/{tid}/image", {"csrf": csrf}, {"image": ("b.png", PNG, "image/png")})
        admin.post(f"/console/templates/{tid}/activate", {"csrf": csrf})
    rita = member(client, tenant_id, "rita@acme.example", "read_only", admin)
    ian = member(client, tenant_id, "ian@acme.example", "issuer", admin, templates=allowed)

    listing = rita.text(rita.get("/console/templates"))
    assert "Allowed" in listing and "Other" in listing and "/console/templates/new" not in listing
    page = rita.text(rita.get(f"/console/templates/{allowed}"))
    assert res_ok(page) and "Issue from this template" not in page and "<form method=\"post\" action=\"/console/" \
        "templates" not in page and 'href="/console/issue"' not in page
    assert '<section id="template-preview"' in page  # the preview is for everyone
    assert "Issue from this template" in ian.text(ian.get(f"/console/templates/{allowed}"))
    assert "Issue from this template" not in ian.text(ian.get(f"/console/templates/{other}"))
    assert "Issue from this template" in admin.text(admin.get(f"/console/templates/{other}"))


def res_ok(page: str) -> bool:
    return "<h1>" in page and "Not allowed" not in page


# ------------------------------------------------------------------ the CSP and the vendored script


def test_console_pages_may_load_their_own_script_and_nothing_inline_while_public_pages_run_none(client):
    new_organization()
    admin = sign_in(client, "ada@acme.example")
    template_id = create(admin)
    for path in ("/console", "/console/templates", "/console/templates/new", f"/console/templates/{template_id}",
                 "/console/issue", "/console/bulk", "/console/signin"):
        res = admin.get(path) if path != "/console/signin" else client.http.get(path)
        csp = res.headers["Content-Security-Policy"]
        assert "script-src 'self'; connect-src 'self';" in csp and "default-src 'none'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        html = res.body.decode()
        assert '<script src="/console/static/htmx.min.js?v=2.0.11" defer></script>' in html, path
        assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == [], f"inline script on {path}"
        assert re.findall(r"\son[a-z]+=", html) == [], f"inline handler on {path}"
    public = client.http.get("/verify")
    assert "script-src" not in public.headers["Content-Security-Policy"]
    assert "connect-src" not in public.headers["Content-Security-Policy"]


def test_the_vendored_htmx_is_the_pinned_file_served_with_a_long_cache(client):
    static = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "static"
    data = (static / "htmx.min.js").read_bytes()
    pinned = re.search(r"`htmx.min.js` .*? \| 2\.0\.11 \| `([0-9a-f]{64})`", (static / "VENDORED.md").read_text())
    assert pinned and hashlib.sha256(data).hexdigest() == pinned.group(1)
    res = client.http.get("/console/static/htmx.min.js")
    served = res.body.encode() if isinstance(res.body, str) else res.body
    assert res.status_code == 200 and served == data
    assert res.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert res.headers["Cache-Control"] == "public, max-age=31536000"
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    again = client.http.get("/console/static/htmx.min.js", headers={"If-None-Match": res.headers["ETag"]})
    assert again.status_code == 304
    for name in ("laurel.css", "VENDORED.md", "..%2Fconfig.py", "htmx.js"):
        assert client.http.get(f"/console/static/{name}").status_code == 404, name


def test_uploads_reach_lambda_as_bytes_when_deployed(client):
    """API Gateway passes a body of a type it does not know as binary as text, which
    mangles a PNG inside a form: the deployed API must list forms with files as binary."""
    from chalice.deploy.swagger import SwaggerGenerator

    from app import app

    document = SwaggerGenerator(region="us-east-1", deployed_resources={
        "api_handler_arn": "arn:aws:lambda:us-east-1:123456789012:function:laurel"}).generate_swagger(app)
    assert "multipart/form-data" in document["x-amazon-apigateway-binary-media-types"]
