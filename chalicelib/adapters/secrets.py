"""Secrets Manager: the signing material (session cookies, webhooks, Ed25519 seed)."""

from __future__ import annotations

import json
import secrets as _random
from functools import lru_cache

from .aws import client


@lru_cache(maxsize=4)
def get_json(secret_id: str) -> dict:
    """Read once per container: secrets change only on rotation, which redeploys."""
    return json.loads(client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])


def ensure_signing_material(name: str) -> str:
    """Local set-up and tests only (a deployment's secret comes from infra/): create
    the secret with fresh random material if it does not exist; return its ARN."""
    sm = client("secretsmanager")
    try:
        return sm.describe_secret(SecretId=name)["ARN"]
    except sm.exceptions.ResourceNotFoundException:
        value = json.dumps({"purpose": "laurel", "session_key": _random.token_urlsafe(48)})
        return sm.create_secret(Name=name, SecretString=value)["ARN"]
