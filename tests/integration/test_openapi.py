"""The OpenAPI description: served, complete, built from the validating models, and
fuzzed with schemathesis against an in-process server on moto."""

import json
import re

import schemathesis

from app import app
from chalicelib import openapi, schemas
from tests.conftest import body
from tests.helpers import auth, new_issuer


def test_served_document_is_openapi_3_1_with_the_validating_models(client):
    res = client.http.get("/openapi.json")
    assert res.status_code == 200 and res.headers["Content-Type"] == "application/json"
    doc = body(res)
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["apiKey"] == {
        "type": "http", "scheme": "bearer", "description": "lrl_<stage>_<tenant>_<secret>"}
    assert not [p for p in doc["paths"] if p.startswith(("/ops", "/_local"))]
    assert "/openapi.json" in doc["paths"] and "/analytics" in doc["paths"] and "/audit" in doc["paths"]
    post = doc["paths"]["/credentials"]["post"]
    assert post["security"] == [{"apiKey": []}]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/IssueIn"}
    expected = schemas.IssueIn.model_json_schema(ref_template="#/components/schemas/{model}")
    expected.pop("$defs", None)
    assert doc["components"]["schemas"]["IssueIn"] == expected
    assert doc["components"]["schemas"]["IssueIn"]["additionalProperties"] is False
    assert doc["paths"]["/badges/{credential_id}"]["get"]["security"] == []
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error"] and error["properties"]["error"]["required"] == ["code", "message"]
    # schemathesis accepts it as a valid OpenAPI 3.1 document
    assert len(list(schemathesis.openapi.from_dict(doc).get_all_operations())) == sum(
        len(ops) for ops in doc["paths"].values())


def test_every_route_with_a_body_declares_it_and_is_validated_by_the_published_model(client):
    """Each published write declares its body exactly once: the model its guard (or the
    view) validates it with, a file body, or none. The declared model is the one that
    validates: an unknown field is refused naming that field (every model forbids extras),
    and the description publishes that model."""
    declared = set(openapi.REQUEST_MODELS) | set(openapi.RAW_BODIES) | openapi.NO_BODY
    published = {(m, p): e for m, p, e in openapi.published_routes(app)}
    assert declared <= set(published), declared - set(published)  # nothing stale
    tenant, key = new_issuer()
    doc = body(client.http.get("/openapi.json"))
    for (method, path), entry in published.items():
        if method == "GET":
            continue
        model, _ = openapi.request_model(method, path, entry)
        kinds = [bool(model), (method, path) in openapi.RAW_BODIES, (method, path) in openapi.NO_BODY]
        assert sum(kinds) == 1, f"{method} {path}: declare its body once (a model, a file, or none): {kinds}"
        if not model:
            continue
        assert openapi._model(model).model_config.get("extra") == "forbid", (method, path)
        schema = doc["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{model}"}
        url = re.sub(r"{\w+}", "0123456789abcdef", path)
        headers = auth(key) if openapi.audience(entry) == "issuer" else {"Content-Type": "application/json"}
        res = client.http.request(method, url, headers=headers, body=json.dumps({"zz_not_a_field": 1}))
        assert res.status_code in (400, 422), (method, path, res.status_code, res.body)
        fields = [d["field"] for d in body(res)["error"].get("details") or []]
        assert "zz_not_a_field" in fields, (method, path, body(res))


def test_every_issuer_route_is_in_the_description():
    published = {(m, p) for m, p, _ in openapi.published_routes(app)}
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if openapi.audience(entry) == "issuer":
                assert (method, path) in published
            if path.startswith("/ops/"):
                assert openapi.audience(entry) == "operator", path
