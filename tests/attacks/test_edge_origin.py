"""The API answers only requests that came through Laurel's CloudFront distribution
(issue 17, item 2): "CloudFront adds a secret origin header and API Gateway (or the app)
refuses requests without it, so the execute-api address cannot be called directly; only
then is CloudFront-Viewer-Address trusted".

CloudFront sets the header from a Secrets Manager secret (infra/edge.py); the app reads
the same secret (`LAUREL_ORIGIN_SECRET_ID`). Locally and in the rest of the suite the
setting is unset: there is no CloudFront, and requests are answered as before."""

from __future__ import annotations

import json

import boto3
import pytest
from chalice.app import Request

from chalicelib import http
from chalicelib.config import get_settings
from tests.conftest import body, scan_table, sent_mail
from tests.helpers import Browser, csrf_of, new_issuer, post, template_payload

SECRET = "edge-secret-Qm9yZGVyIGd1YXJk-0123456789abcdef"
ORIGIN_HEADER = "X-Laurel-Origin"  # what infra/edge.py has CloudFront send (http.ORIGIN_HEADER)
THROUGH_CLOUDFRONT = {ORIGIN_HEADER: SECRET}


@pytest.fixture()
def behind_cloudfront(aws_env, monkeypatch):
    """A deployment's setting: the origin secret exists and the app knows its id."""
    arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="laurel/test/origin-header", SecretString=json.dumps({"value": SECRET}))["ARN"]
    monkeypatch.setenv("LAUREL_ORIGIN_SECRET_ID", arn)
    get_settings.cache_clear()
    yield arn
    get_settings.cache_clear()


def test_without_the_setting_requests_are_answered_as_before(client):
    assert get_settings().origin_secret_id == ""
    assert client.http.get("/health").status_code == 200
    assert client.http.get("/.well-known/jwks.json").status_code == 200


def test_a_request_without_the_origin_header_is_refused_with_a_403_json_and_changes_nothing(
        behind_cloudfront, client):
    tenant, key = new_issuer()
    before = scan_table()
    for method, path, payload in (("GET", "/health", None), ("GET", "/.well-known/jwks.json", None),
                                  ("POST", "/templates", template_payload()), ("GET", "/badges/x", None)):
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        res = client.http.request(method, path, headers=headers, body=json.dumps(payload) if payload else b"")
        assert res.status_code == 403, (path, res.status_code)
        assert res.headers["Content-Type"] == "application/json"
        error = body(res)["error"]
        assert error["code"] == "direct_access_refused", error
        assert "https://laurel.test" in error["message"]
    assert scan_table() == before  # the template was not created


def test_a_wrong_or_empty_origin_header_is_refused(behind_cloudfront, client):
    for value in ("", "x", SECRET[:-1], SECRET + "x", SECRET.upper()):
        res = client.http.get("/health", headers={ORIGIN_HEADER: value})
        assert res.status_code == 403, repr(value)


def test_the_origin_header_cloudfront_adds_is_let_through(behind_cloudfront, client):
    tenant, key = new_issuer()
    assert client.http.get("/health", headers=THROUGH_CLOUDFRONT).status_code == 200
    res = post(client, "/templates", key, template_payload(), headers=THROUGH_CLOUDFRONT)
    assert res.status_code == 201, res.body


def _request(headers: dict) -> Request:
    return Request({
        "multiValueQueryStringParameters": None, "headers": headers, "pathParameters": None,
        "requestContext": {"identity": {"sourceIp": "198.51.100.9"}, "httpMethod": "GET", "resourcePath": "/"},
        "httpMethod": "GET", "body": None, "isBase64Encoded": False, "stageVariables": None,
    })


def test_a_forged_viewer_address_sent_straight_to_execute_api_is_not_the_rate_limit_identity(behind_cloudfront):
    """The attacker calls the execute-api address (no origin header, or a guessed one) and
    sets CloudFront-Viewer-Address to a new address per request, to reset the per-address
    limits; their identity stays the address API Gateway saw."""
    forged = {"cloudfront-viewer-address": "203.0.113.77:443"}
    assert http.client_address(_request(forged)) == "198.51.100.9"
    assert http.client_address(_request({**forged, ORIGIN_HEADER: "guess"})) == "198.51.100.9"
    # through CloudFront (which sets both headers itself) the viewer's address is the identity
    assert http.client_address(_request({**forged, ORIGIN_HEADER: SECRET})) == "203.0.113.77"


def test_a_sign_in_flood_with_forged_viewer_addresses_straight_to_the_origin_mails_nobody(behind_cloudfront, client):
    """Straight to execute-api, rotating the forged viewer address: every request is refused
    before any limit counter or mail (the per-address limit is not what stops it)."""
    b = Browser(client)
    csrf = csrf_of(b.text(b.get("/signin", headers=THROUGH_CLOUDFRONT)))  # a real form, fetched through the CDN
    codes = {b.post("/signin", {"email": f"p{i}@example.com", "csrf": csrf},
                    headers={"CloudFront-Viewer-Address": f"203.0.113.{i}:443"}).status_code for i in range(40)}
    assert codes == {403}
    assert sent_mail() == []
    assert not [i for i in scan_table() if i["pk"].startswith("RATE#")]  # store/keys.rate_pk


def test_through_cloudfront_the_sign_in_limit_counts_per_viewer_address(behind_cloudfront, client):
    """The trusted header works once the origin header checked out: two viewers behind one
    edge are limited separately (30 each per window), not together."""
    b = Browser(client)
    csrf = csrf_of(b.text(b.get("/signin", headers=THROUGH_CLOUDFRONT)))

    def ask(i: int, viewer: str) -> int:
        return b.post("/signin", {"email": f"v{viewer[-1]}{i}@example.com", "csrf": csrf},
                      headers={**THROUGH_CLOUDFRONT, "CloudFront-Viewer-Address": f"{viewer}:443"}).status_code

    first = [ask(i, "203.0.113.1") for i in range(31)]
    assert first[:30] == [200] * 30 and first[30] == 429
    assert ask(0, "203.0.113.2") == 200


def test_when_the_secret_cannot_be_read_requests_are_refused_with_a_503_not_let_through(aws_env, client,
                                                                                       monkeypatch):
    """Fail closed: a secret that cannot be read (deleted, no permission) lets nobody in, and
    says so as JSON, never as a 500."""
    monkeypatch.setenv("LAUREL_ORIGIN_SECRET_ID", "laurel/test/no-such-secret")
    get_settings.cache_clear()
    try:
        res = client.http.get("/health", headers=THROUGH_CLOUDFRONT)
        assert res.status_code == 503, res.body
        assert body(res)["error"]["code"] == "origin_check_unavailable"
    finally:
        get_settings.cache_clear()
