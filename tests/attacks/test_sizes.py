"""Oversize and pathological input on every kind of body: a clear 4xx, nothing written."""

from __future__ import annotations

import json

import pytest

from tests.conftest import list_bucket, scan_table
from tests.helpers import Browser, active_template, auth, new_issuer, post

MIB = 1024 * 1024


@pytest.fixture()
def issuer(client):
    _, key = new_issuer()
    return key, active_template(client, key)


def _unchanged(client, send, status: int, code: str | None = None):
    """`send()` is refused with `status`: JSON callers get Laurel's error `code`, forms
    (code None) an HTML page; nothing is stored."""
    before, files = scan_table(), list_bucket()
    res = send()
    assert res.status_code == status, (res.status_code, res.body[:300])
    if code is None:
        assert b"<html" in res.body, res.body[:300]
    else:
        assert json.loads(res.body)["error"]["code"] == code, res.body[:300]
    assert scan_table() == before and list_bucket() == files
    return res


def test_huge_csv_is_413_and_queues_nothing(client, issuer):
    key, tpl = issuer
    row = f"someone@example.com,Some,One,{tpl}\n"
    csv = "email,first_name,last_name,template_id\n" + row * (10 * MIB // len(row) + 10)
    _unchanged(client, lambda: client.http.post("/bulk-jobs", headers={**auth(key), "Content-Type": "text/csv"},
                                                body=csv), 413, "payload_too_large")


def test_csv_with_a_giant_cell_or_binary_is_refused(client, issuer):
    key, tpl = issuer
    giant = "email,first_name,last_name,template_id\n" + f"a@example.com,{'x' * (2 * MIB)},B,{tpl}\n"
    for payload, code in [(giant, "invalid_csv"), (b"\x00\x01\x02\xff" * 1000, "wrong_encoding"),
                          ("email\n" + "\"" * 5000, "missing_header")]:
        _unchanged(client, lambda p=payload: client.http.post(
            "/bulk-jobs", headers={**auth(key), "Content-Type": "text/csv"}, body=p), 400, code)


@pytest.mark.parametrize("depth", [50, 1000, 100_000])
def test_deep_json_is_refused_everywhere(client, issuer, depth):
    key, _ = issuer
    deep = "[" * depth + "]" * depth
    nested = '{"a":' * depth + "1" + "}" * depth
    # a deep array is never an object; a nested object too deep to parse is not JSON we read,
    # one that parses is an object with an unknown field
    refusals = [(deep, 400, "invalid_json"),
                (nested, *((422, "validation_error") if depth <= 50 else (400, "invalid_json")))]
    for path in ("/templates", "/credentials", "/webhooks/endpoints", "/integrations", "/support-requests"):
        for payload, status, code in refusals:
            _unchanged(client, lambda p=path, d=payload: post(client, p, key, d), status, code)
    for payload, status, code in refusals:
        _unchanged(client, lambda d=payload: client.http.post("/verify", headers={"Content-Type": "application/json"},
                                                              body=d), status, code)


def test_oversize_image_and_form_bodies(client, issuer):
    key, tpl = issuer
    big_png = b"\x89PNG\r\n\x1a\n" + b"\x00" * (MIB + 10)
    _unchanged(client, lambda: client.http.put(f"/templates/{tpl}/image",
                                               headers={**auth(key), "Content-Type": "image/png"}, body=big_png),
               413, "image_too_large")
    b = Browser(client)
    csrf = b.csrf("/signin")
    _unchanged(client, lambda: b.post("/signin", {"email": "a@example.com", "csrf": csrf, "next": "x" * (2 * MIB)}),
               413)
    many = "&".join(f"f{i}=1" for i in range(5000))
    _unchanged(client, lambda: client.http.post("/signin", headers={"Content-Type": "application/x-www-form-urlencoded"},
                                                body=many), 400)
