"""One status per error code (issue 13, item 6), through the paths whose status used to
differ from the code's status elsewhere. tests/unit/test_house_rules.py keeps it so
over every raise in the code base; these show what a client sees.

- `unsupported_media_type` is 415 (RFC 9110 15.5.16: "the content is in a format not
  supported by this method on the target resource"), the bulk upload included.
- `already_claimed` is 409 (RFC 9110 15.5.10: "the request could not be completed due
  to a conflict with the current state of the target resource"): the credential is
  still there, it was decided already; the wallet's decision too.
- `image_too_large` is 413 (RFC 9110 15.5.14: "the request content is larger than the
  server is willing or able to process"): too many bytes. An image of a few hundred
  bytes with a side over the limit is not large content but content Laurel will not
  process (RFC 9110 15.5.21, 422): it has its own code, `image_dimensions_too_large`.
- `mail_not_sent` is 503: see tests/integration/test_mail_policy.py.
"""

from __future__ import annotations

import io

from PIL import Image

from tests.conftest import body, scan_table, sent_mail
from tests.helpers import Browser, auth, claim_token_from, csrf_of, issue, new_issuer, post, sign_in
from tests.helpers import active_template, template_payload


def test_a_bulk_upload_in_another_format_is_415(client):
    _, key = new_issuer()
    before = scan_table()
    res = client.http.post("/bulk-jobs", headers={**auth(key), "Content-Type": "text/plain"},
                           body=b"email,first_name\nx@example.com,X\n")
    assert (res.status_code, body(res)["error"]["code"]) == (415, "unsupported_media_type"), res.body
    assert scan_table() == before


def test_a_second_decision_in_the_wallet_is_409_already_claimed(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    cred = body(issue(client, key, tpl))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    b = Browser(client)
    sign_in(b, "grace@example.com")
    csrf = csrf_of(b.text(b.get("/wallet")))
    res = b.post(f"/wallet/credentials/{cred['id']}/decision", {"decision": "reject", "csrf": csrf})
    assert res.status_code == 409 and "already accepted" in b.text(res)


def test_an_image_with_a_side_over_the_limit_is_422_with_its_own_code(client):
    _, key = new_issuer()
    tid = body(post(client, "/templates", key, template_payload()))["id"]
    buffer = io.BytesIO()
    Image.new("RGB", (2049, 10)).save(buffer, "PNG")  # a few hundred bytes, one side over 2048
    res = client.http.put(f"/templates/{tid}/image", headers={**auth(key), "Content-Type": "image/png"},
                          body=buffer.getvalue())
    assert (res.status_code, body(res)["error"]["code"]) == (422, "image_dimensions_too_large"), res.body


def test_the_description_names_the_503_of_the_routes_that_need_a_mail(client):
    doc = body(client.http.get("/openapi.json"))
    for path, method in (("/credentials/{credential_id}/resend", "post"), ("/imports", "post")):
        answer = doc["paths"][path][method]["responses"].get("503")
        assert answer and "mail_not_sent" in answer["description"], (path, answer)
        assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "503" not in doc["paths"]["/credentials"]["post"]["responses"]  # issuing never fails for mail
