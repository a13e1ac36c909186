"""Issuer profile, API keys and authentication."""

import pytest

from tests.conftest import body, scan_table
from tests.helpers import PNG, auth, new_issuer, post


def test_issuer_reads_and_updates_its_profile(client):
    tenant, key = new_issuer()
    res = client.http.get("/issuer", headers=auth(key))
    assert res.status_code == 200
    assert body(res)["id"] == tenant and body(res)["name"] == "Acme Academy"
    res = client.http.patch("/issuer", headers=auth(key),
                            body='{"name": "Acme University", "linkedin_organization_id": "4242"}')
    assert res.status_code == 200, res.body
    assert body(res)["name"] == "Acme University" and body(res)["linkedin_organization_id"] == "4242"
    res = client.http.put("/issuer/logo", headers={**auth(key), "Content-Type": "image/png"}, body=PNG)
    assert res.status_code == 200
    assert body(res)["logo_url"].startswith("https://assets.laurel.test/assets/issuers/")


def test_api_keys_are_stored_only_as_hashes(client):
    tenant, key = new_issuer()
    res = post(client, "/issuer/api-keys", key, {"label": "LMS"})
    assert res.status_code == 201
    second = body(res)["key"]
    assert second.startswith(f"lrl_test_{tenant}_")
    dump = repr(scan_table())
    assert key not in dump and second not in dump
    listed = body(client.http.get("/issuer/api-keys", headers=auth(second)))["items"]
    assert len(listed) == 2 and all("key" not in k for k in listed)


def test_revoked_key_stops_working_and_others_keep_working(client):
    _, key = new_issuer()
    second = body(post(client, "/issuer/api-keys", key, {}))
    res = client.http.delete(f"/issuer/api-keys/{second['id']}", headers=auth(key))
    assert res.status_code == 200 and body(res)["revoked_at"]
    res = client.http.get("/issuer", headers=auth(second["key"]))
    assert res.status_code == 401 and body(res)["error"]["code"] == "revoked_api_key"
    assert client.http.get("/issuer", headers=auth(key)).status_code == 200
    # revoking again is harmless; an unknown key id is 404
    assert client.http.delete(f"/issuer/api-keys/{second['id']}", headers=auth(key)).status_code == 200
    assert client.http.delete("/issuer/api-keys/0000000000000000", headers=auth(key)).status_code == 404


@pytest.mark.parametrize(
    "header, code",
    [
        (None, "missing_api_key"),
        ("", "missing_api_key"),
        ("Basic dXNlcjpwYXNz", "malformed_api_key"),
        ("Bearer", "malformed_api_key"),
        ("Bearer not-a-key", "malformed_api_key"),
        ("Bearer lrl_test_0123456789abcdef_" + "a" * 32, "invalid_api_key"),
        ("Bearer lrl_prod_0123456789abcdef_" + "a" * 32, "invalid_api_key"),
    ],
)
def test_bad_credentials_get_401(client, header, code):
    headers = {} if header is None else {"Authorization": header}
    res = client.http.get("/templates", headers=headers)
    assert res.status_code == 401
    assert body(res)["error"]["code"] == code


def test_key_of_another_stage_is_refused_before_any_read(client):
    _, key = new_issuer()
    prod_key = key.replace("lrl_test_", "lrl_prod_")
    res = client.http.get("/issuer", headers=auth(prod_key))
    assert res.status_code == 401
    assert "another stage" in body(res)["error"]["message"]


def test_forged_key_naming_another_tenant_finds_nothing(client):
    tenant_a, key_a = new_issuer("A")
    tenant_b, _ = new_issuer("B")
    forged = key_a.replace(tenant_a, tenant_b)
    assert client.http.get("/issuer", headers=auth(forged)).status_code == 401


def test_cli_creates_issuer_and_prints_key_once(aws_env, capsys):
    from chalicelib.cli import main

    assert main(["create-issuer", "--name", "CLI Org", "--url", "https://cli.example", "--email", "ops@cli.example"]) == 0
    out = capsys.readouterr().out
    key = out.strip().split()[-1]
    assert key.startswith("lrl_test_")
    assert [i["sk"][:4] for i in scan_table()].count("KEY#") == 1
    assert main(["create-issuer", "--name", "", "--url", "nope", "--email", "x"]) == 2
