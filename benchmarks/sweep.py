"""The expiry sweep's read cost: 50,000 credentials, 100 of which expire on the sweep
day (the rest spread over the following years), under moto in-process. Counts every
item DynamoDB returned to the sweep (Query items, GetItem items). Prints
`sweep_items_read` last (target <= 300)."""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _moto_env import setup  # noqa: E402

setup()

TOTAL, TODAY_COUNT = 50_000, 100


def main() -> None:
    from botocore.client import BaseClient
    from moto import mock_aws

    with mock_aws():
        from chalicelib.cli import init_resources
        from chalicelib.domain import ids
        from chalicelib.services import expiry
        from chalicelib.store.models import CredentialItem
        from chalicelib.store import credentials as store

        init_resources()
        today = date(2026, 11, 22)
        rng = random.Random(7)
        tenant = ids.new_tenant_id()
        snapshot = {"issuer": {"id": tenant, "name": "Bench"}, "template": {"id": "t", "name": "Bench badge"}}
        with CredentialItem.batch_write() as batch:
            for i in range(TOTAL):
                day = today if i < TODAY_COUNT else today + timedelta(days=31 + rng.randrange(3 * 365))
                expires = f"{day.isoformat()}T00:00:00Z"
                batch.save(store.build({
                    "credential_id": ids.new_credential_id(tenant), "tenant_id": tenant, "template_id": "t",
                    "status": "accepted", "email": f"e{i}@example.com", "email_hash": ids.email_hash(f"e{i}@x"),
                    "first_name": "E", "last_name": str(i), "issued_at": "2024-01-01T00:00:00Z",
                    "expires_at": expires, "evidence": [], "snapshot": snapshot,
                    "accepted_at": "2024-01-02T00:00:00Z", "created_at": "2024-01-01T00:00:00Z",
                    "updated_at": "2024-01-01T00:00:00Z"}))
        read = {"items": 0, "calls": 0}
        original = BaseClient._make_api_call

        def counting(self, operation, params):
            response = original(self, operation, params)
            if self.meta.service_model.service_name == "dynamodb":
                read["calls"] += operation in ("Query", "GetItem", "Scan", "BatchGetItem")
                read["items"] += len(response.get("Items", [])) + (1 if response.get("Item") else 0)
            return response

        BaseClient._make_api_call = counting
        try:
            result = expiry.sweep(today)
        finally:
            BaseClient._make_api_call = original
    print(f"table_credentials {TOTAL}")
    print(f"expired_found {result['expired']}")
    print(f"sweep_read_calls {read['calls']}")
    print(f"sweep_items_read {read['items']}")


if __name__ == "__main__":
    main()
