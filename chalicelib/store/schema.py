"""The table definition, derived from the models (never written by hand twice).

`table_definition()` is what local set-up, tests and the deployment stack create.
"""

from __future__ import annotations

from typing import Any

from .audit_models import AUDIT_MODELS
from .earner_models import EARNER_MODELS
from .member_models import MEMBER_MODELS
from .models import MODELS
from .webhook_models import WEBHOOK_MODELS


def table_definition() -> dict[str, Any]:
    """Keys and indexes as boto3 `create_table` arguments (minus the table name)."""
    attributes: dict[str, str] = {}
    key_schema: list[Any] | None = None
    indexes: dict[str, dict[str, Any]] = {}
    for model in MODELS + WEBHOOK_MODELS + EARNER_MODELS + AUDIT_MODELS + MEMBER_MODELS:
        schema = model._get_schema()
        for attr in schema["attribute_definitions"]:
            attributes[attr["AttributeName"]] = attr["AttributeType"]
        if key_schema is None:
            key_schema = schema["key_schema"]
        elif key_schema != schema["key_schema"]:
            raise RuntimeError(f"{model.__name__} disagrees on the table's primary key")
        for index in schema["global_secondary_indexes"]:
            indexes[index["index_name"]] = {
                "IndexName": index["index_name"],
                "KeySchema": index["key_schema"],
                "Projection": index["projection"],
            }
    return {
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind} for name, kind in sorted(attributes.items())
        ],
        "KeySchema": key_schema,
        "GlobalSecondaryIndexes": [indexes[name] for name in sorted(indexes)],
        "BillingMode": "PAY_PER_REQUEST",
    }


def create_table(client: Any, table_name: str) -> None:
    """Create the table if it is missing (idempotent); used locally and in tests."""
    existing = client.list_tables().get("TableNames", [])
    if table_name in existing:
        return
    client.create_table(TableName=table_name, **table_definition())
    client.get_waiter("table_exists").wait(TableName=table_name)
