"""The OpenAPI description: served, complete, built from the validating models, and
fuzzed with schemathesis against an in-process server on moto."""

import inspect

import schemathesis

import app as app_module
from app import app
from chalicelib import openapi, routes_webhooks, schemas
from tests.conftest import body

def _view_source(entry) -> str:
    name = entry.view_name
    module = routes_webhooks if name.startswith("webhooks_") else app_module
    return inspect.getsource(getattr(module, name.removeprefix("webhooks_")))


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


def test_every_route_with_a_body_declares_it():
    """A new route that reads a body must say so in chalicelib/openapi.py, or the
    description would silently stop matching the API."""
    declared = set(openapi.REQUEST_MODELS) | set(openapi.RAW_BODIES) | openapi.NO_BODY
    published = {(m, p): e for m, p, e in openapi.published_routes(app)}
    assert declared <= set(published), declared - set(published)  # nothing stale
    for (method, path), entry in published.items():
        source = _view_source(entry)
        reads_json = "parse_json(" in source
        reads_raw = "binary_body(" in source or "raw_body(" in source
        if reads_json:
            assert (method, path) in openapi.REQUEST_MODELS, f"{method} {path} validates a JSON body: declare its model"
        if reads_raw and not reads_json:
            assert (method, path) in openapi.RAW_BODIES, f"{method} {path} reads a file body: declare it"
        if method != "GET" and not reads_json and not reads_raw and "_verify_input" not in source:
            assert (method, path) in openapi.NO_BODY, f"{method} {path}: declare that it takes no body"
    for key, ref in openapi.REQUEST_MODELS.items():
        assert openapi._model(ref).model_config.get("extra") == "forbid", key


def test_every_issuer_route_is_in_the_description():
    published = {(m, p) for m, p, _ in openapi.published_routes(app)}
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if openapi.audience(entry) == "issuer":
                assert (method, path) in published
            if path.startswith("/ops/"):
                assert openapi.audience(entry) == "operator", path
