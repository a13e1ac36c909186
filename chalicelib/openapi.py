"""The OpenAPI 3.1 description of Laurel's issuer and public API, served at `/openapi.json`.

Built from the app itself, so it cannot drift from what is served:
- operations: every route in `app.routes` (operator routes under /ops, the
  local-only /_local pages and the earners' browser pages, /signin, /signout,
  /wallet and /profiles, whose forms are not an API, are left out);
- who may call them: the mark the guards (routes/_guards.py) leave on their
  handlers (`laurel_audience`): issuer routes need the bearer API key;
- request bodies: the very pydantic models the routes' guards validate with (their
  `body=`; `REQUEST_MODELS` for the few routes that take several kinds of body), their
  JSON Schema lifted into `components.schemas`.

What a route reads besides its body (query parameters, raw file bodies, what it
answers with) is not visible from the route table, so it is declared here next to
the mapping; `tests/integration/test_openapi.py` fails when a route with a body is
added without a declaration, and fuzzes the whole description (schemathesis).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the builder reads an app's routes; it imports neither at run time
    from chalice import Chalice
    from chalice.app import RouteEntry
    from pydantic import BaseModel

JSON = "application/json"
HTML = "text/html"
LD = "application/ld+json"
# (pages and their forms, not the API: /status is the public status page, routes/status.py)
EXCLUDED_PREFIXES = ("/ops/", "/_local/", "/signin", "/signout", "/wallet", "/profiles/", "/console", "/favicon.",
                     "/status", "/mail/")  # /mail/: a reminder's unsubscribe pages (issue 19), for people

# Most routes declare the model their guard validates the body with (`body="IssueIn"`,
# routes/_guards.py), and that very model is published. These routes take more than one
# kind of body (a form or JSON, JSON or an image), so they validate JSON themselves:
# (method, path) -> the JSON body's model, by name in chalicelib.schemas.
REQUEST_MODELS: dict[tuple[str, str], str] = {
    ("POST", "/verify"): "VerifyIn",
    ("POST", "/imports/{import_id}"): "TokenIn",
    ("POST", "/claim/{credential_id}"): "ClaimIn",
}

# (method, path) -> media type -> schema, for bodies that are files rather than a model
RAW_BODIES: dict[tuple[str, str], dict[str, dict]] = {
    ("PUT", "/issuer/logo"): {"image/png": {"type": "string", "contentMediaType": "image/png"}},
    ("PUT", "/templates/{template_id}/image"): {
        "image/png": {"type": "string", "contentMediaType": "image/png"},
        "image/svg+xml": {"type": "string", "contentMediaType": "image/svg+xml"},
    },
    ("POST", "/bulk-jobs"): {
        "text/csv": {"type": "string", "description": "header row: email,first_name,last_name,template_id,..."},
        JSON: {"type": "array", "items": {"type": "object"}, "minItems": 1},
    },
    ("POST", "/hooks/lms/{integration_id}"): {
        JSON: {"type": "object", "description": "the LMS event, signed in the Laurel-Signature header"},
    },
}

# writes that take no body at all
NO_BODY = {
    ("DELETE", "/issuer/api-keys/{key_id}"),
    ("POST", "/templates/{template_id}/activate"),
    ("POST", "/templates/{template_id}/archive"),
    ("POST", "/credentials/{credential_id}/resend"),
    ("POST", "/integrations/{integration_id}/rotate-secret"),
    ("POST", "/integrations/{integration_id}/retire-secret"),
    ("POST", "/integrations/{integration_id}/disable"),
    ("POST", "/webhooks/endpoints/{endpoint_id}/rotate-secret"),
    ("POST", "/webhooks/endpoints/{endpoint_id}/disable"),
    ("POST", "/webhooks/deliveries/{delivery_id}/resend"),
    ("POST", "/imports/{import_id}/verify"),
    ("POST", "/export-jobs/{export_id}/resume"),
}

_LIMIT = {"type": "integer", "minimum": 1, "maximum": 100}
_CURSOR = {"type": "string", "maxLength": 2000}
_PAGING = {"limit": _LIMIT, "cursor": _CURSOR}
_DAY = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_TOKEN = {"type": "string", "maxLength": 100}

QUERY_PARAMETERS: dict[tuple[str, str], dict[str, dict]] = {
    ("GET", "/templates"): {"state": {"type": "string", "enum": ["draft", "active", "archived"]}, **_PAGING},
    ("GET", "/credentials"): {
        "template_id": {"type": "string", "maxLength": 16},
        "status": {"type": "string", "enum": ["pending", "accepted", "rejected", "revoked"]},
        "email": {"type": "string", "maxLength": 320},
        **_PAGING,
    },
    ("GET", "/integrations/{integration_id}/events"): _PAGING,
    ("GET", "/webhooks/endpoints/{endpoint_id}/deliveries"): {"limit": {**_LIMIT, "maximum": 50},
                                                               "cursor": _CURSOR},
    ("GET", "/audit"): {"day": _DAY, **_PAGING},
    ("POST", "/bulk-jobs"): {
        "mode": {"type": "string", "enum": ["all_or_nothing", "valid_rows"]},
        "duplicate_policy": {"type": "string", "enum": ["deny", "allow"]},
        "suppress_email": {"type": "string", "enum": ["true", "false"]},
    },
    ("GET", "/imports/{import_id}"): {"token": _TOKEN},
    ("GET", "/claim/{credential_id}"): {"token": _TOKEN},
    # ESCO skills (issue 20; services/taxonomy.py): results are {"uri", "label", "type"?}, with ESCO's attribution
    ("GET", "/skills/search"): {
        "q": {"type": "string", "minLength": 2, "maxLength": 100,
              "description": "words of an ESCO skill's (occupation's) label; required"},
        "kind": {"type": "string", "enum": ["skill", "occupation"]},
        "limit": {"type": "integer", "minimum": 1, "maximum": 25},
    },
}

# what public routes answer with (issuer routes always answer JSON)
PUBLIC_RESPONSES: dict[tuple[str, str], dict[str, list[str]]] = {
    ("GET", "/health"): {"2XX": [JSON]},
    ("GET", "/openapi.json"): {"2XX": [JSON]},
    # the page, and at the same URL its OB 3.0 credential or JSON summary (chalicelib/openbadges/media.py)
    ("GET", "/badges/{credential_id}"): {"2XX": [HTML, LD, "application/vc+ld+json", "application/vc+jwt", JSON],
                                         "4XX": [HTML, JSON]},
    ("GET", "/badges/{credential_id}/image"): {"3XX": [JSON]},
    ("GET", "/ob/v2/assertions/{credential_id}"): {"2XX": [LD], "410": [LD]},
    ("GET", "/ob/v2/assertions/{credential_id}/badge"): {"2XX": [LD]},
    ("GET", "/ob/v2/issuers/{tenant_id}"): {"2XX": [LD]},
    ("GET", "/ob/v2/issuers/{tenant_id}/revocations"): {"2XX": [LD]},
    ("GET", "/ob/v3/credentials/{credential_id}"): {"2XX": ["application/vc+ld+json", "application/vc+jwt"]},
    ("GET", "/ob/v3/issuers/{tenant_id}"): {"2XX": [LD]},
    ("GET", "/ob/v3/issuers/{tenant_id}/did.json"): {"2XX": ["application/did+ld+json"]},
    ("GET", "/ob/v3/issuers/{tenant_id}/keys/{key_name}"): {"2XX": [LD]},
    ("GET", "/.well-known/jwks.json"): {"2XX": ["application/jwk-set+json"]},
    ("GET", "/verify"): {"2XX": [HTML]},
    ("POST", "/verify"): {"2XX": [JSON, HTML]},
    ("POST", "/imports"): {"2XX": [JSON]},
    ("GET", "/imports/{import_id}"): {"2XX": [HTML, JSON]},
    ("POST", "/imports/{import_id}"): {"2XX": [JSON], "3XX": [JSON]},
    ("POST", "/imports/{import_id}/verify"): {"2XX": [JSON]},
    ("GET", "/claim/{credential_id}"): {"2XX": [HTML], "4XX": [HTML]},
    ("POST", "/claim/{credential_id}"): {"2XX": [JSON, HTML], "3XX": [JSON], "4XX": [JSON, HTML]},
    ("POST", "/hooks/lms/{integration_id}"): {"2XX": [JSON]},
    ("GET", "/skills/search"): {"2XX": [JSON]},
}

# Routes whose answer depends on a mail SES must accept: 503 `mail_not_sent` when it would
# not (chalicelib/services/notify.py; the same status and code on every such path).
MAIL_REQUIRED = {("POST", "/credentials/{credential_id}/resend"), ("POST", "/imports")}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
            },
        }
    },
}


def audience(entry: RouteEntry) -> str:
    """issuer | operator | public, from the mark the route's guard left."""
    return getattr(entry.view_function, "laurel_audience", "public")


def published_routes(app: Chalice) -> list[tuple[str, str, RouteEntry]]:
    """(method, path, route entry) of every route the description covers."""
    out = []
    for path, methods in app.routes.items():
        if path.startswith(EXCLUDED_PREFIXES):
            continue
        for method, entry in sorted(methods.items()):
            if audience(entry) in ("issuer", "public"):
                out.append((method, path, entry))
    return out


def request_model(method: str, path: str, entry: RouteEntry) -> tuple[str | None, bool]:
    """(the name of the model a route's JSON body is validated with, may it be left out)."""
    declared = getattr(entry.view_function, "laurel_body", None)
    if declared:
        return declared, bool(getattr(entry.view_function, "laurel_body_optional", False))
    return REQUEST_MODELS.get((method, path)), False


def _model(ref: Any) -> type[BaseModel]:
    from . import schemas

    return getattr(schemas, ref)


def _schema_of(model: type[BaseModel], components: dict[str, Any]) -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _content(media_types: list[str], schema: dict) -> dict:
    return {m: {"schema": schema} for m in media_types}


def _operation_id(method: str, path: str) -> str:
    words = re.sub(r"[{}]", "", path).replace(".", "-").strip("/").replace("/", "-") or "root"
    return f"{method.lower()}-{words}"


def _operation(method: str, path: str, entry: RouteEntry, components: dict[str, Any]) -> dict:
    who = audience(entry)
    key = (method, path)
    op: dict[str, Any] = {
        "operationId": _operation_id(method, path),
        "summary": (entry.view_function.__doc__ or entry.view_name.replace("_", " ")).strip().splitlines()[0],
        "tags": ["issuer" if who == "issuer" else "public"],
        "security": [{"apiKey": []}] if who == "issuer" else [],
    }
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in re.findall(r"{(\w+)}", path)
    ]
    parameters += [  # `?name=` is the same as leaving the parameter out (http.query_param)
        {"name": name, "in": "query", "required": False, "schema": {"anyOf": [schema, {"const": ""}]}}
        for name, schema in QUERY_PARAMETERS.get(key, {}).items()
    ]
    if parameters:
        op["parameters"] = parameters
    model, optional = request_model(method, path, entry)
    if model:
        op["requestBody"] = {"required": not optional,
                             "content": _content([JSON], _schema_of(_model(model), components))}
    elif key in RAW_BODIES:
        op["requestBody"] = {"required": True, "content": {m: {"schema": s} for m, s in RAW_BODIES[key].items()}}
    error = {"description": "Laurel's error", "content": _content([JSON], {"$ref": "#/components/schemas/Error"})}
    if who == "issuer":
        op["responses"] = {"2XX": {"description": "OK", "content": _content([JSON], {"type": "object"})},
                           "4XX": error}
    else:
        declared = PUBLIC_RESPONSES.get(key, {"2XX": [JSON]})
        op["responses"] = {"4XX": error}
        for status, media in declared.items():
            schema = {"$ref": "#/components/schemas/Error"} if status.startswith("4") and media == [JSON] else {}
            op["responses"][status] = {"description": "see the route", "content": _content(media, schema)}
            if status.startswith("3"):
                op["responses"][status] = {"description": "redirect (Location header)"}
    if key in MAIL_REQUIRED:
        op["responses"]["503"] = {**error, "description": "mail_not_sent: SES would not take the mail this request "
                                                          "exists for; nothing else failed, repeat it later"}
    return op


def build(app: Chalice) -> dict:
    """The OpenAPI document for `app` (a plain dict, ready for json.dumps)."""
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict] = {}
    for method, path, entry in published_routes(app):
        paths.setdefault(path, {})[method.lower()] = _operation(method, path, entry, components)
    from .config import get_settings

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Laurel",
            "version": "1",
            "description": "Issuer API (Authorization: Bearer <API key>) and public endpoints of Laurel, "
                           "a digital credentials platform. Errors are {\"error\": {\"code\", \"message\"}}.",
        },
        "servers": [{"url": get_settings().public_base_url}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                           "description": "lrl_<stage>_<tenant>_<secret>"}},
        },
    }


@lru_cache(maxsize=1)
def document_json(app: Chalice) -> str:
    """The document, serialised once per process (routes do not change at run time)."""
    import json

    return json.dumps(build(app), separators=(",", ":"), ensure_ascii=False)
