"""Schemathesis against /openapi.json: the app runs behind Chalice's own local HTTP
server (in a thread, in this process) on moto, and every described operation is
fuzzed with a bounded number of examples.

Asserted for every answer: no 5xx; status, media type and body conform to the
description; input that violates the schema is refused; the API key is really
checked (the same request without it is refused). Not asserted: that valid input
is accepted (`positive_data_acceptance`), because generated ids are random and
answer 404 by design, and the 405-with-Allow-header check, because the gateway
(API Gateway, or Chalice locally) answers unknown methods, not the app.
"""

from __future__ import annotations

import socket
import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, settings
from moto import mock_aws
from schemathesis import checks
from schemathesis.checks import load_all_checks

from app import app
from chalicelib import openapi
from tests.helpers import active_template, issue, new_issuer

MAX_EXAMPLES = 10  # per operation (schemathesis adds a few boundary cases of its own)

schema = schemathesis.openapi.from_dict(openapi.build(app))
# unknown query parameters are ignored, as by most APIs (and API Gateway passes them on): not generated
schema.config.generation.update(max_examples=MAX_EXAMPLES, allow_extra_parameters=False)
# a body over the size limit is refused with 413 before it is even parsed: a rejection too
schema.config.checks.negative_data_rejection.expected_statuses = [
    "400", "401", "403", "404", "405", "409", "413", "415", "422"]
load_all_checks()  # the built-in checks become attributes of schemathesis.checks
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
    checks.ignored_auth,
]


SENT: list[str] = []  # operations of the generated requests (tests can report how many were sent)


def _loopback_only(real):
    def resolve(host, *args, **kwargs):
        # the fuzzer invents URLs (webhooks, badges to verify): nothing may leave this machine
        if host not in ("127.0.0.1", "localhost"):
            raise socket.gaierror(socket.EAI_NONAME, "name resolution is disabled in this test")
        return real(host, *args, **kwargs)

    return resolve


def _handler_class():
    from chalice.local import ChaliceRequestHandler

    class Handler(ChaliceRequestHandler):
        def __getattr__(self, name):
            # like API Gateway, hand every method to the app (http.server answers the
            # methods Chalice's handler does not list, e.g. TRACE, with its own 501)
            if name.startswith("do_"):
                return self._generic_handle
            raise AttributeError(name)

        def log_message(self, *args):  # thousands of requests: keep the test output readable
            pass

    return Handler


@pytest.fixture(scope="module")
def live():
    """(base URL, issuer key): one embedded AWS and one server for all operations."""
    from chalice.config import Config
    from chalice.local import LocalDevServer
    from chalice.test import Client

    from chalicelib.cli import init_resources

    with mock_aws(), pytest.MonkeyPatch.context() as mp:
        init_resources()
        mp.setattr(socket, "getaddrinfo", _loopback_only(socket.getaddrinfo))
        _, key = new_issuer("Fuzz")
        with Client(app) as c:  # a template and a credential, so the tenant is not empty
            issue(c, key, active_template(c, key))
        server = LocalDevServer(app, Config.create(), "127.0.0.1", 0, handler_cls=_handler_class())
        thread = threading.Thread(target=server.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server.server_address[1]}", key
        finally:
            server.shutdown()
            server.server.server_close()


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))  # derandomized by tests/conftest.py's profile
def test_described_api_holds_under_fuzzing(case, live):
    base_url, key = live
    # moto's request mock answers any URL that names an AWS endpoint ("…amazonaws.com…"),
    # even on loopback, with its own 400 text: a generated id like "lambda.amazonaws.com"
    # would test moto, not Laurel (seen once in a clean-clone run)
    generated = [*(case.path_parameters or {}).values(), *(case.query or {}).values()]
    assume(not any("amazonaws.com" in str(value) for value in generated))
    SENT.append(case.operation.label)
    case.call_and_validate(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)
