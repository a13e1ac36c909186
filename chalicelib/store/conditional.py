"""Conditional writes: the one place that turns DynamoDB's "condition failed" into a
plain False (someone else changed the item first); every other error still raises."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import UpdateError


def update_if(item: Any, actions: list, condition: Any) -> bool:
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
