"""CloudFront: invalidations of the distribution in front of Laurel (infra/edge.py)."""

from __future__ import annotations

from collections.abc import Sequence

from .aws import client


def invalidate(distribution_id: str, paths: Sequence[str], reference: str) -> str:
    """One invalidation of `paths` (CloudFront's own syntax: a trailing `*` is a wildcard).
    `reference` makes a retry of the same batch the same invalidation (CloudFront answers the
    existing one for a CallerReference it has seen with the same paths). Returns its id."""
    response = client("cloudfront").create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": list(paths)}, "CallerReference": reference},
    )
    return str(response["Invalidation"]["Id"])
