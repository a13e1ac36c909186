"""Conditional writes: the one place that turns DynamoDB's "condition failed" into a
plain False (someone else changed the item first); every other error still raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import UpdateError

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite


def update_if(item: Any, actions: list, condition: Any) -> bool:
    try:
        item.update(actions=actions, condition=condition)
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
