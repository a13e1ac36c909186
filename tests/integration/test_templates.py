"""Badge templates: validation, image upload, lifecycle, listing."""

import io

from PIL import Image

from tests.conftest import body, list_bucket, scan_table
from tests.helpers import PNG, active_template, auth, issue, new_issuer, post, template_payload


def _put_image(client, key, tpl, data, content_type="image/png"):
    return client.http.put(f"/templates/{tpl}/image", headers={**auth(key), "Content-Type": content_type}, body=data)


def test_create_read_update_activate_archive(client):
    _, key = new_issuer()
    res = post(client, "/templates", key, template_payload())
    assert res.status_code == 201, res.body
    tpl = body(res)
    assert tpl["state"] == "draft" and tpl["expiry"] == {"unit": "years", "amount": 2}
    assert body(client.http.get(f"/templates/{tpl['id']}", headers=auth(key)))["name"] == "Data Steward"

    res = client.http.patch(f"/templates/{tpl['id']}", headers=auth(key),
                            body='{"name": "Senior Data Steward", "skills": ["SQL"], "expiry": {"unit": "never"}}')
    assert res.status_code == 200, res.body
    assert body(res)["name"] == "Senior Data Steward" and body(res)["expiry"] == {"unit": "never"}

    res = post(client, f"/templates/{tpl['id']}/activate", key, b"")
    assert res.status_code == 409 and body(res)["error"]["code"] == "image_required"
    assert _put_image(client, key, tpl["id"], PNG).status_code == 200
    assert body(post(client, f"/templates/{tpl['id']}/activate", key, b""))["state"] == "active"
    # active templates can still be edited
    res = client.http.patch(f"/templates/{tpl['id']}", headers=auth(key), body='{"description": "Updated."}')
    assert res.status_code == 200
    assert body(post(client, f"/templates/{tpl['id']}/archive", key, b""))["state"] == "archived"
    res = client.http.patch(f"/templates/{tpl['id']}", headers=auth(key), body='{"name": "x"}')
    assert res.status_code == 409
    res = post(client, f"/templates/{tpl['id']}/activate", key, b"")
    assert res.status_code == 409 and body(res)["error"]["code"] == "invalid_state"


def test_only_active_templates_issue(client):
    _, key = new_issuer()
    draft = body(post(client, "/templates", key, template_payload()))["id"]
    res = issue(client, key, draft)
    assert res.status_code == 409 and body(res)["error"]["code"] == "template_not_active"
    tpl = active_template(client, key)
    post(client, f"/templates/{tpl}/archive", key, b"")
    before = scan_table()
    res = issue(client, key, tpl)
    assert res.status_code == 409 and body(res)["error"]["code"] == "template_not_active"
    assert scan_table() == before
    res = issue(client, key, "0123456789abcdef")
    assert res.status_code == 404


def test_template_validation_errors(client):
    _, key = new_issuer()
    cases = [
        template_payload(kind="diploma"),
        template_payload(unknown="x"),
        template_payload(name=""),
        template_payload(name="x" * 201),
        template_payload(criteria={}),
        template_payload(criteria={"url": "javascript:alert(1)"}),
        template_payload(expiry={"unit": "days"}),
        template_payload(expiry={"unit": "never", "amount": 3}),
        template_payload(expiry={"unit": "weeks", "amount": 3}),
        template_payload(skills=["x"] * 51),
        {k: v for k, v in template_payload().items() if k != "description"},
    ]
    for payload in cases:
        res = post(client, "/templates", key, payload)
        assert res.status_code == 422, (payload, res.body)
        assert body(res)["error"]["code"] == "validation_error"
        assert body(res)["error"]["details"]
    assert scan_table() == [i for i in scan_table() if not i["sk"].startswith("TPL#")]


def test_image_upload_is_validated_and_nothing_stored_on_failure(client):
    _, key = new_issuer()
    tpl = body(post(client, "/templates", key, template_payload()))["id"]
    jpeg = io.BytesIO()
    Image.new("RGB", (50, 50)).save(jpeg, format="JPEG")
    big = io.BytesIO()
    Image.new("RGB", (3000, 100)).save(big, format="PNG")
    before = list_bucket()
    assert _put_image(client, key, tpl, jpeg.getvalue()).status_code == 422
    assert _put_image(client, key, tpl, big.getvalue()).status_code == 422
    assert _put_image(client, key, tpl, b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024)).status_code == 413
    assert _put_image(client, key, tpl, PNG, content_type="image/gif").status_code == 415
    assert list_bucket() == before
    assert body(client.http.get(f"/templates/{tpl}", headers=auth(key)))["image_url"] is None


def test_list_templates_paginates_and_filters(client):
    _, key = new_issuer()
    ids = [body(post(client, "/templates", key, template_payload(name=f"T{i}")))["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        path = "/templates?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = body(client.http.get(path, headers=auth(key)))
        assert len(page["items"]) <= 2
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids)
    assert body(client.http.get("/templates?state=active", headers=auth(key)))["items"] == []
    assert client.http.get("/templates?state=bogus", headers=auth(key)).status_code == 400
    assert client.http.get("/templates?limit=0", headers=auth(key)).status_code == 400
    assert client.http.get("/templates?limit=abc", headers=auth(key)).status_code == 400
    assert client.http.get("/templates?cursor=%%%", headers=auth(key)).status_code == 400


def test_an_edit_made_from_a_stale_read_is_refused_and_changes_nothing(client, monkeypatch):
    """Two editors: the second read the template before the first saved. Its save is
    refused (409, read it again) instead of silently undoing the first edit."""
    from chalicelib.store import templates as tpl_store

    tenant, key = new_issuer()
    tpl = body(post(client, "/templates", key, template_payload()))["id"]
    stale = tpl_store.get(tenant, tpl)
    assert client.http.patch(f"/templates/{tpl}", headers=auth(key), body='{"name": "First edit"}').status_code == 200
    with monkeypatch.context() as m:
        m.setattr(tpl_store, "get", lambda *_: stale)
        res = client.http.patch(f"/templates/{tpl}", headers=auth(key), body='{"name": "Second edit"}')
    assert res.status_code == 409 and body(res)["error"]["code"] == "concurrent_update", res.body
    stored = body(client.http.get(f"/templates/{tpl}", headers=auth(key)))
    assert stored["name"] == "First edit"
