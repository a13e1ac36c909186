"""One PynamoDB connection per process for what models do not cover: transactions
and batch reads across item kinds. A new `Connection` builds a new botocore session
and client (a third of a second of CPU, DESIGN.md's measured facts): issuance paid it
on every call before."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pynamodb.connection import Connection

from ..config import get_settings


@lru_cache(maxsize=1)
def connection() -> Connection:
    return Connection(region=get_settings().table_region)


def get_many(pairs: list[tuple[str, str]], *, consistent: bool = True) -> dict[tuple[str, str], dict[str, Any]]:
    """Raw items of the table by (pk, sk), in BatchGetItem requests of up to 100 keys
    (unprocessed keys are asked again); missing items are absent from the answer."""
    from .models import Item

    table = Item._get_connection()  # the model's table connection knows the key schema: no DescribeTable
    name = get_settings().table_name
    wanted = [{"pk": pk, "sk": sk} for pk, sk in dict.fromkeys(pairs)]
    found: dict[tuple[str, str], dict[str, Any]] = {}
    while wanted:
        page, wanted = wanted[:100], wanted[100:]
        while page:
            # PynamoDB annotates `keys` as Sequence[str]; it takes the key dicts built above
            answer = table.batch_get_item(page, consistent_read=consistent)  # type: ignore[arg-type]
            for raw in answer.get("Responses", {}).get(name, []):
                found[(raw["pk"]["S"], raw["sk"]["S"])] = raw
            page = [{"pk": k["pk"]["S"], "sk": k["sk"]["S"]}
                    for k in answer.get("UnprocessedKeys", {}).get(name, {}).get("Keys", [])]
    return found
