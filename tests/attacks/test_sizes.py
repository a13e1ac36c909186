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


def _unchanged(client, send):
    before, files = scan_table(), list_bucket()
    res = send()
    assert 400 <= res.status_code < 500, (res.status_code, res.body[:300])
    assert b"<html" in res.body or "error" in json.loads(res.body)
    assert scan_table() == before and list_bucket() == files
    return res


def test_huge_csv_is_413_and_queues_nothing(client, issuer):
    key, tpl = issuer
    row = f"someone@example.com,Some,One,{tpl}\n"
    csv = "email,first_name,last_name,template_id\n" + row * (10 * MIB // len(row) + 10)
    res = _unchanged(client, lambda: client.http.post("/bulk-jobs", headers={**auth(key), "Content-Type": "text/csv"},
                                                      body=csv))
    assert res.status_code == 413


def test_csv_with_a_giant_cell_or_binary_is_refused(client, issuer):
    key, tpl = issuer
    giant = "email,first_name,last_name,template_id\n" + f"a@example.com,{'x' * (2 * MIB)},B,{tpl}\n"
    for payload in (giant, b"\x00\x01\x02\xff" * 1000, "email\n" + "\"" * 5000):
        _unchanged(client, lambda p=payload: client.http.post(
            "/bulk-jobs", headers={**auth(key), "Content-Type": "text/csv"}, body=p))


@pytest.mark.parametrize("depth", [50, 1000, 100_000])
def test_deep_json_is_refused_everywhere(client, issuer, depth):
    key, _ = issuer
    deep = "[" * depth + "]" * depth
    nested = '{"a":' * depth + "1" + "}" * depth
    for path in ("/templates", "/credentials", "/webhooks/endpoints", "/integrations", "/support-requests"):
        for payload in (deep, nested):
            _unchanged(client, lambda p=path, d=payload: post(client, p, key, d))
    for payload in (deep, nested):
        _unchanged(client, lambda d=payload: client.http.post("/verify", headers={"Content-Type": "application/json"},
                                                              body=d))


def test_oversize_image_and_form_bodies(client, issuer):
    key, tpl = issuer
    big_png = b"\x89PNG\r\n\x1a\n" + b"\x00" * (MIB + 10)
    _unchanged(client, lambda: client.http.put(f"/templates/{tpl}/image",
                                               headers={**auth(key), "Content-Type": "image/png"}, body=big_png))
    b = Browser(client)
    csrf = b.csrf("/signin")
    res = _unchanged(client, lambda: b.post("/signin", {"email": "a@example.com", "csrf": csrf, "next": "x" * (2 * MIB)}))
    assert res.status_code == 413
    many = "&".join(f"f{i}=1" for i in range(5000))
    _unchanged(client, lambda: client.http.post("/signin", headers={"Content-Type": "application/x-www-form-urlencoded"},
                                                body=many))
