"""Count every AWS API call made by any botocore client (PynamoDB's included).

Wraps `BaseClient._make_api_call`, the one door every client operation goes
through, so a call from a client created on the fly is counted too.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, NamedTuple

from botocore.client import BaseClient


class Call(NamedTuple):
    """One API call as the client sent it: `name` is "service.Operation"
    (e.g. "dynamodb.Query"), `params` its request parameters."""

    name: str
    params: dict


@contextmanager
def _intercepting(record: Callable[[Call], None]):
    original = BaseClient._make_api_call

    def recorder(self, operation_name, api_params):
        record(Call(f"{self.meta.service_model.service_name}.{operation_name}", dict(api_params)))
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = recorder
    try:
        yield
    finally:
        BaseClient._make_api_call = original


@contextmanager
def recording():
    """The names ("service.Operation") of the calls made inside the block, oldest first."""
    names: list[str] = []
    with _intercepting(lambda call: names.append(call.name)):
        yield names


@contextmanager
def requests():
    """The calls made inside the block with their parameters (`Call`), oldest first."""
    calls: list[Call] = []
    with _intercepting(calls.append):
        yield calls
