"""Powertools Idempotency records, kept in the single table under the tenant's own
partition (`T#<tenant>#IDEMPOTENCY`, sort key = the hashed idempotency key), so one
tenant's retries never touch another's partition and the table stays the only one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..adapters.aws import client
from ..config import get_settings
from . import keys

if TYPE_CHECKING:  # Powertools' idempotency loads only where a hook or import needs it
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer


def persistence_for(tenant_id: str) -> DynamoDBPersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=get_settings().table_name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=keys.idempotency_pk(tenant_id),
        boto3_client=client("dynamodb"),
    )
