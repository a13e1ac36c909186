"""Secrets Manager: the signing material (session cookies, webhooks), the Ed25519 seeds
(one version per generation, services/signing.py), and secrets that organizations hand
Laurel (their single sign-on client secret)."""

from __future__ import annotations

import contextlib
import json
import secrets as _random
from functools import lru_cache

from .aws import client


@lru_cache(maxsize=4)
def get_json(secret_id: str) -> dict:
    """Read once per container: secrets change only on rotation, which redeploys."""
    return json.loads(client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])


def origin_header_value(secret_id: str) -> str:
    """The value CloudFront sends in the origin header (infra/edge.py: the secret's `value`)."""
    return str(get_json(secret_id)["value"])


def ensure_signing_material(name: str) -> str:
    """Local set-up and tests only (a deployment's secret comes from infra/): create
    the secret with fresh random material if it does not exist; return its ARN."""
    sm = client("secretsmanager")
    try:
        return sm.describe_secret(SecretId=name)["ARN"]
    except sm.exceptions.ResourceNotFoundException:
        value = json.dumps({"purpose": "laurel", "session_key": _random.token_urlsafe(48)})
        return sm.create_secret(Name=name, SecretString=value)["ARN"]


def ensure_secret(name: str, description: str) -> str:
    """Local set-up and tests only (a deployment's secret comes from infra/): create
    secret `name` with a placeholder value if it does not exist; return its ARN. Its
    real values are added as versions (`put_string`) and read by version id."""
    sm = client("secretsmanager")
    try:
        return sm.describe_secret(SecretId=name)["ARN"]
    except sm.exceptions.ResourceNotFoundException:
        return sm.create_secret(Name=name, Description=description,
                                SecretString=json.dumps({"purpose": description}))["ARN"]


# ------------------------------------------------------------------ one secret string per name, by version
#
# An organization's single sign-on client secret (services/sso.py) lives in its own secret.
# A new value is written as a new version staged AWSPENDING; the caller records that
# version id where it keeps the settings and only then makes it AWSCURRENT (`promote`).
# Readers ask for the version the settings name, so settings whose save failed halfway
# never use a secret that was written for them, and the one in use is never overwritten.


def put_string(name: str, value: str, description: str = "") -> str:
    """A new version of secret `name` holding `value` (the secret is created if missing);
    its VersionId. The current version stays current until `promote`."""
    sm = client("secretsmanager")
    try:
        return sm.put_secret_value(SecretId=name, SecretString=value, VersionStages=["AWSPENDING"])["VersionId"]
    except sm.exceptions.ResourceNotFoundException:
        return sm.create_secret(Name=name, SecretString=value, Description=description)["VersionId"]


def promote(name: str, version_id: str) -> None:
    """Make `version_id` the secret's AWSCURRENT version (the one its settings now name)."""
    sm = client("secretsmanager")
    stages = sm.describe_secret(SecretId=name).get("VersionIdsToStages", {})
    current = next((v for v, labels in stages.items() if "AWSCURRENT" in labels), None)
    if current != version_id:
        sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=version_id,
                                       **({"RemoveFromVersionId": current} if current else {}))
    if "AWSPENDING" in stages.get(version_id, []):
        # another writer may have staged its own version AWSPENDING since the read above (the label
        # moves: two containers migrating the first Ed25519 generation at once): nothing left to remove
        with contextlib.suppress(sm.exceptions.InvalidParameterException):
            sm.update_secret_version_stage(SecretId=name, VersionStage="AWSPENDING", RemoveFromVersionId=version_id)


@lru_cache(maxsize=64)
def get_string(name: str, version_id: str) -> str:
    """One version of a secret: versions never change, so it is read once per container."""
    return client("secretsmanager").get_secret_value(SecretId=name, VersionId=version_id)["SecretString"]


def delete(name: str) -> bool:
    """Delete secret `name` at once, every version (an organization that left keeps
    nothing here). False if there was no such secret: a re-run repeats safely."""
    sm = client("secretsmanager")
    try:
        sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    except sm.exceptions.ResourceNotFoundException:
        return False
    return True
