"""HTTP helpers shared by the routes: JSON bodies in, JSON or HTML out, errors as
`{"error": {"code", "message"}}`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar
from urllib.parse import quote

if TYPE_CHECKING:  # pydantic loads with the first validated body
    from pydantic import BaseModel

from chalice import Response
from chalice.app import Request

from . import jsonbody
from .config import get_settings
from .domain.errors import BadRequest, LaurelError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

T = TypeVar("T", bound="BaseModel")

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": JSON, "Cache-Control": "no-store", **(headers or {})},
    )


_HEADER_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


def location(url: str) -> str:
    """`url` fit for a `Location` header: headers carry ASCII only (Chalice's local
    server drops the connection on anything else, API Gateway refuses it), so any other
    character, spaces and controls too, is percent-encoded as UTF-8; printable ASCII
    (escapes already made included) stays as it is."""
    return quote(url, safe=_HEADER_SAFE)


def answer(run: Callable[[], Response], refuse: Callable[[LaurelError], Response]) -> Response:
    """Run a view; a refusal it raises becomes `refuse(exc)`. The one place in the app
    where `LaurelError` is caught (routes/_guards.py decides what a refusal looks like);
    anything else propagates and is a 500, logged by app.py's middleware."""
    try:
        return run()
    except LaurelError as exc:
        return refuse(exc)


def error_response(exc: LaurelError) -> Response:
    return json_response(exc.to_body(), exc.status, exc.headers())


# The header CloudFront adds to every request it sends to the API (infra/edge.py), its value
# a Secrets Manager secret. Issue 17: "CloudFront adds a secret origin header and API Gateway
# (or the app) refuses requests without it, so the execute-api address cannot be called
# directly — only then is CloudFront-Viewer-Address trusted".
ORIGIN_HEADER = "X-Laurel-Origin"


def origin_verified(request: Request) -> bool:
    """Whether the request came through Laurel's distribution: it carries the origin header
    with the secret's value (compared in constant time). Always true when no origin secret
    is configured (`make run` and the tests: there is no CloudFront in front). Raises
    ServiceUnavailable when the secret cannot be read."""
    secret_id = get_settings().origin_secret_id
    if not secret_id:
        return True
    given = request.headers.get(ORIGIN_HEADER) or ""
    if not given:
        return False
    from .adapters import secrets

    try:
        expected = secrets.origin_header_value(secret_id)
    except Exception as exc:  # noqa: BLE001 - fail closed: an unreadable secret lets nobody in (503, not 500)
        from .logs import logger

        logger().error("origin secret unreadable", extra={"reason": exc.__class__.__name__})
        from .domain.errors import ServiceUnavailable

        raise ServiceUnavailable("Laurel cannot check where this request came from; try again shortly",
                                 code="origin_check_unavailable") from None
    return hmac.compare_digest(given.encode(), expected.encode())


def client_address(request: Request) -> str | None:
    """The visitor's address, for rate limits. Behind CloudFront, API Gateway sees the
    edge's address: the distribution forwards `CloudFront-Viewer-Address` (ip:port; a custom
    origin request policy, infra/edge.py), and that wins, but only on a request whose origin
    header checked out: sent straight to the execute-api address the header is the
    caller's own invention (and, with the origin secret configured, the request is refused
    anyway: app.py)."""
    viewer = request.headers.get("cloudfront-viewer-address")
    if viewer and origin_verified(request):
        return viewer.rsplit(":", 1)[0].strip("[]")[:64]
    return ((request.context or {}).get("identity") or {}).get("sourceIp")


def _body_bytes(request: Request) -> bytes:
    body = request.raw_body or b""  # Chalice declares str | bytes; it encodes a text body itself
    return body if isinstance(body, bytes) else body.encode("utf-8")


def raw_body(request: Request, limit: int | None = None) -> bytes:
    limit = limit or get_settings().max_body_bytes
    body = _body_bytes(request)
    if len(body) > limit:
        raise PayloadTooLarge(f"the request body exceeds {limit} bytes")
    return body


def content_type(request: Request) -> str:
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()


def parse_json(request: Request, model: type[T], *, allow_empty: bool = False) -> T:
    """Validate a JSON object body against `model`; any problem is a 4xx, never a 500."""
    body = raw_body(request)
    if content_type(request) not in ("", JSON):
        raise UnsupportedMediaType("send the body as application/json")
    if not body.strip():
        if allow_empty:
            body = b"{}"
        else:
            raise BadRequest("a JSON body is required", code="invalid_json")
    data = jsonbody.loads(body)  # 400 for invalid JSON and for a key given twice
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object", code="invalid_json")
    return validate(model, data)


# A value of the wrong JSON type (a number where a date string is declared, a string
# where a number or a boolean is) is a malformed request: 400 `invalid_type`, naming the
# field (issue 12: "Refuse each with a 400 naming the field"). A value of the right type
# that breaks a rule (a range, a format, a missing or unknown field) is 422.
TYPE_ERRORS = frozenset({
    "string_type", "int_type", "float_type", "bool_type", "decimal_type", "dict_type", "list_type", "model_type",
    "model_attributes_type", "datetime_type", "date_type", "time_type", "url_type", "bytes_type", "tuple_type",
    "set_type", "none_required", "date_string_type",  # the last: schemas.py's ISO date strings
})


def validate(model: type[T], data: dict) -> T:
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        details = [{"field": ".".join(str(p) for p in err["loc"]) or "(body)", "problem": err["msg"]}
                   for err in errors]
        if any(err["type"] in TYPE_ERRORS for err in errors):
            raise BadRequest("a field has the wrong type", code="invalid_type", details=details) from None
        raise ValidationFailed("the request is not valid", details=details) from None
    except RecursionError:
        raise BadRequest("the body is nested too deeply", code="invalid_json") from None


def parse_form(request: Request, model: type[T]) -> T:
    """Validate an HTML form post against `model`: a field declared as a list takes every
    value posted for it (checkboxes), any other field its first; a blank field whose
    default is None is left out (an empty optional input means "not given")."""
    from typing import get_origin

    fields = form_fields(request)
    data: dict[str, Any] = {}
    # a field is posted under its alias when it has one (`from`: a Python keyword)
    by_name = {f.alias or n: f for n, f in model.model_fields.items()}
    for name, values in fields.items():
        declared = by_name.get(name)
        if declared is None:
            continue
        if get_origin(declared.annotation) is list:
            data[name] = [v for v in values if v]
        elif values[0] or declared.default is not None:
            data[name] = values[0]
    return validate(model, data)


def form_fields(request: Request) -> dict[str, list[str]]:
    """Every field of an HTML form post as posted (unvalidated: to validate, `parse_form`)."""
    from urllib.parse import parse_qs

    try:
        return parse_qs(raw_body(request).decode("utf-8"), keep_blank_values=True, max_num_fields=250)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("the form could not be read") from None


# API Gateway's payload limit: the largest form a browser can post (a console upload)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def parse_multipart(request: Request, max_parts: int = 10, limit: int | None = None) -> dict[str, bytes]:
    """Fields of a multipart/form-data post (an HTML form with a file input)."""
    return {name: part.data for name, part in multipart_parts(request, max_parts, limit).items()}


class Part(NamedTuple):
    data: bytes
    content_type: str  # as the browser declared it: text/plain for a field, the file's own for a file
    filename: str | None


def multipart_parts(request: Request, max_parts: int = 10, limit: int | None = None) -> dict[str, Part]:
    """The parts of a multipart/form-data post by field name, with the type and file
    name the browser declared. `limit`: the body's size limit (default max_body_bytes)."""
    from email.parser import BytesParser
    from email.policy import HTTP
    from email.utils import collapse_rfc2231_value

    body = raw_body(request, limit)
    header = request.headers.get("content-type") or ""
    try:
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + header.encode("latin-1") + b"\r\n\r\n" + body)
    except (UnicodeEncodeError, ValueError):
        raise BadRequest("the form could not be read") from None
    if not message.is_multipart():
        raise BadRequest("the form could not be read")
    fields: dict[str, Part] = {}
    for part in list(message.iter_parts())[:max_parts]:
        name = part.get_param("name", header="content-disposition")
        if name and isinstance(name, str):  # an RFC 2231 (encoded) name was never looked up either
            payload = part.get_payload(decode=True)
            filename = part.get_param("filename", header="content-disposition")
            if isinstance(filename, tuple):  # RFC 2231: (charset, language, value)
                filename = collapse_rfc2231_value(filename)
            fields[name] = Part(payload if isinstance(payload, bytes) else b"", part.get_content_type(), filename)
    return fields


def binary_body(request: Request, *content_types: str) -> bytes:
    if content_type(request) not in content_types:
        raise UnsupportedMediaType(f"send the file with Content-Type: {' or '.join(content_types)}")
    body = _body_bytes(request)
    if not body:
        raise BadRequest("the request body is empty")
    return body


def query_param(request: Request, name: str, *, choices: tuple[str, ...] | None = None,
                max_length: int = 320) -> str | None:
    params = request.query_params
    values = params.getlist(name) if params and name in params else []  # Chalice's getlist raises on a missing name
    if len(values) > 1:  # which one would count? (the last, silently: refused instead, like duplicate JSON keys)
        raise BadRequest(f"query parameter {name} is given more than once", code="invalid_query")
    value = values[0] if values else None
    if value is None or value == "":
        return None
    if len(value) > max_length:
        raise BadRequest(f"query parameter {name} is too long", code="invalid_query")
    if choices and value not in choices:
        raise BadRequest(f"query parameter {name} must be one of {', '.join(choices)}", code="invalid_query")
    return value


def limit_param(request: Request, default: int = 25, maximum: int = 100) -> int:
    value = query_param(request, "limit", max_length=4)
    if value is None:
        return default
    if not re.fullmatch(r"[0-9]{1,4}", value) or not 1 <= int(value) <= maximum:
        raise BadRequest(f"limit must be a number from 1 to {maximum}", code="invalid_query")
    return int(value)


def wants_json(request: Request) -> bool:
    accept = (request.headers.get("accept") or "").lower()
    return "application/json" in accept and "text/html" not in accept


def cached(request: Request, body: str, *, content_type: str, headers: dict[str, str], max_age: int) -> Response:
    """A public, cacheable response with a strong ETag; a matching If-None-Match gets 304."""
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    common: dict[str, str | list[str]] = {
        **headers,
        "Content-Type": content_type,
        "Cache-Control": f"public, max-age={max_age}",
        "ETag": etag,
        # and whatever else the caller's headers vary by (a page: Accept-Language, web.page_headers)
        "Vary": ", ".join(dict.fromkeys(["Accept", *filter(None, map(str.strip, headers.get("Vary", "").split(",")))])),
    }
    if etag in (request.headers.get("if-none-match") or ""):
        return Response(body="", status_code=304, headers=common)
    return Response(body=body, status_code=200, headers=common)
