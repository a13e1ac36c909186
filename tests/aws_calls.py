"""Count every AWS API call made by any botocore client (PynamoDB's included).

Wraps `BaseClient._make_api_call`, the one door every client operation goes
through, so a call from a client created on the fly is counted too.
"""

from __future__ import annotations

from contextlib import contextmanager

from botocore.client import BaseClient


@contextmanager
def recording():
    calls: list[str] = []
    original = BaseClient._make_api_call

    def recorder(self, operation_name, api_params):
        calls.append(f"{self.meta.service_model.service_name}.{operation_name}")
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = recorder
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original
