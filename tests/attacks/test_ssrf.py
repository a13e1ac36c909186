"""SSRF: every URL field Laurel fetches (badge verification, imports, webhook
endpoints) refuses private, loopback, link-local and odd targets, including names
that resolve inward, and never opens a connection to them."""

from __future__ import annotations

import socket

import pytest

from chalicelib.adapters import fetch
from tests.conftest import body, scan_table
from tests.helpers import new_issuer, post

TARGETS = [
    "https://127.0.0.1/x", "https://127.1/x", "https://2130706433/x", "https://0x7f000001/x", "https://localhost/x",
    "https://10.0.0.5/x", "https://172.16.3.4/x", "https://192.168.1.1/x", "https://100.64.0.1/x",
    "https://169.254.169.254/latest/meta-data/", "https://[fe80::1]/x", "https://[::1]/x", "https://[fc00::1]/x",
    "https://[::ffff:169.254.169.254]/x", "https://0.0.0.0/x", "https://inward.example/x", "http://93.184.216.34/x",
    "https://user:pw@93.184.216.34/x", "file:///etc/passwd", "gopher://93.184.216.34/x",
]


@pytest.fixture()
def fenced(monkeypatch):
    """No connection may be attempted; `inward.example` resolves to a private address."""
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "inward.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.9", 443))]
        return real(host, *args, **kwargs)

    def no_connection(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(fetch.socket, "getaddrinfo", resolve)
    monkeypatch.setattr(fetch.socket, "create_connection", no_connection)


@pytest.mark.parametrize("url", TARGETS)
def test_verify_refuses(client, fenced, url):
    res = post(client, "/verify", None, {"url": url})
    assert res.status_code == 200, res.body
    report = body(res)
    assert report["result"] == "invalid" and [c["check"] for c in report["checks"] if not c["ok"]] == ["fetch URL"]


@pytest.mark.parametrize("url", TARGETS)
def test_import_refuses(client, fenced, url):
    res = post(client, "/imports", None, {"url": url, "email": "grace@example.com"})
    assert res.status_code == 422 and body(res)["error"]["code"] == "not_importable", res.body
    assert not [i for i in scan_table() if i["pk"].startswith("IMPORT#")]


@pytest.mark.parametrize("url", TARGETS)
def test_webhook_endpoint_refuses(client, fenced, url):
    _, key = new_issuer()
    res = post(client, "/webhooks/endpoints", key, {"url": url, "event_types": ["credential.created"]})
    assert res.status_code == 422, (url, res.body)
    assert not [i for i in scan_table() if i["sk"].startswith("WHE#")]
