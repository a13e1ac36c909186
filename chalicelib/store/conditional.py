"""Conditional writes: the one place that turns DynamoDB's "condition failed" into a
plain False (someone else changed the item first); every other error still raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import UpdateError

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite


@dataclass(frozen=True)
class Update:
    """A conditional update of one item, built by the store module that owns the item and
    run by another one inside its own transaction (store/audit.append_joined)."""

    item: Any
    actions: list
    condition: Any


def update_if(item: Any, actions: list, condition: Any, *, refresh: bool = True) -> bool:
    """Apply `actions` to `item` if `condition` holds; False if it did not. `refresh`:
    `item` is read back from the answer (UpdateItem with ALL_NEW, as Model.update does).
    Without it DynamoDB returns nothing, which matters for large items: reading back a
    credential (its documents and proofs) cost as much CPU as issuing's whole write."""
    try:
        if refresh:
            item.update(actions=actions, condition=condition)
        else:
            hash_key, range_key = item._get_hash_range_key_serialized_values()
            item._get_connection().update_item(hash_key, range_key=range_key, actions=actions, condition=condition,
                                               return_values="NONE")
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def transaction_condition_failed(exc: Exception) -> bool:
    """A TransactWriteItems cancelled because one of its conditions did not hold (as
    opposed to throttling or a service error, which the caller must not retry blindly)."""
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return getattr(exc, "cause_response_code", None) == "TransactionCanceledException" and \
        any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons)


def transact(build: Callable[[TransactWrite], None]) -> bool:
    """Run `build(tx)` as one TransactWriteItems; False when one of its conditions did
    not hold (nothing was written), any other error raises."""
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    from .connection import connection

    try:
        with TransactWrite(connection=connection()) as tx:
            build(tx)
    except TransactWriteError as exc:
        if transaction_condition_failed(exc):
            return False
        raise
    return True
