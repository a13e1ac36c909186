"""Offboarding an organization that used the console: its members, invitations,
console sessions and single sign-on (settings, claimed domains, the client secret in
Secrets Manager) go with the rest of what it sent; its members are signed out the
moment the operator confirms."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib.adapters import secrets
from chalicelib.services import ops
from chalicelib.services.sso import secret_name
from chalicelib.store import members as member_store
from tests.conftest import body, scan_table
from tests.console_helpers import member, new_organization, sign_in


@pytest.fixture()
def operator(aws_env):
    return ops.create_operator_key("tests")


def _op(key):
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def _with_sso(tenant_id: str, domain: str) -> None:
    """The organization's saved sign-on settings, as the settings page stores them."""
    name = secret_name(tenant_id)
    version = secrets.put_string(name, "client-secret-value")
    secrets.promote(name, version)
    assert member_store.put_sso(tenant_id, {"issuer": "https://id.example.org", "client_id": "laurel",
                                            "secret_name": name, "secret_version": version, "domains": [domain],
                                            "default_role": "read_only", "updated_at": "2026-12-01T00:00:00Z"},
                                None)


def _secret_exists(name: str) -> bool:
    names = [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]]
    return name in names


def test_offboarding_deletes_the_console_and_signs_everyone_out(client, operator):
    tenant, _ = new_organization("Leaving Ltd", "ada@leaving.example")
    admin = sign_in(client, "ada@leaving.example")
    reader = member(client, tenant, "rui@leaving.example", "read_only", admin)
    admin.post("/console/members", {"email": "ivy@leaving.example", "role": "issuer",  # an open invitation
                                    "csrf": admin.csrf("/console/members")})
    _with_sso(tenant, "leaving.example")
    staying, _ = new_organization("Staying plc", "sam@staying.example")
    stayer = sign_in(client, "sam@staying.example")
    staying_before = [i for i in scan_table() if staying in json.dumps(i, default=str)]
    assert reader.get("/console").status_code == 200

    plan = body(client.http.post(f"/ops/issuers/{tenant}/offboarding", headers=_op(operator)))
    assert plan["delete"]["console_members"]["count"] == 3 * 2 + 1  # 3 members and their pointers, the count
    assert plan["delete"]["console_sessions"]["count"] == 2
    assert plan["delete"]["single_sign_on"]["count"] == 2  # the settings and the one domain they claim
    # signing in again between the dry run and the confirmation does not stale the plan
    sign_in(client, "rui@leaving.example")
    res = client.http.post(f"/ops/issuers/{tenant}/offboarding/confirm", headers=_op(operator),
                           body=json.dumps({"token": plan["confirmation"]["token"]}))
    assert res.status_code == 200, res.body
    assert body(res)["state"] == "completed"

    # every member is signed out at once and cannot sign in again
    for browser in (admin, reader):
        page = browser.get("/console")
        assert page.status_code == 303 and page.headers["Location"].startswith("/console/signin")
    left = [i for i in scan_table() if tenant in json.dumps(i, default=str)]
    assert not [i for i in left if i["pk"].startswith(("CSESSION#", "MEMBEREMAIL#", "SSODOMAIN#"))
                or i["sk"].startswith(("MEMBER", "SSO"))]
    assert not _secret_exists(secret_name(tenant))
    # the domain is free for another organization; the one staying is untouched and still signed in
    assert member_store.sso_domain_owner("leaving.example") is None
    assert stayer.get("/console").status_code == 200
    assert [i for i in scan_table() if staying in json.dumps(i, default=str)] == staying_before
