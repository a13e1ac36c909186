"""Lazily created boto3 clients, one per service, shared by the adapters.

Creating a client costs tens of milliseconds; the verification path creates none.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from ..config import get_settings


@lru_cache(maxsize=1)
def _session() -> Any:
    import boto3

    return boto3.session.Session()


@cache
def client(service: str) -> Any:
    config = None
    if service == "s3":  # presigned download links: SigV4, the only scheme every region accepts
        from botocore.config import Config

        config = Config(signature_version="s3v4")
    return _session().client(service, region_name=get_settings().region, config=config)
