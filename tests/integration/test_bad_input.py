"""Bad input: a clear 4xx in Laurel's error shape, nothing written, never a 500."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import body, scan_table
from tests.helpers import active_template, auth, new_issuer, post


def _error(res, status, code=None):
    assert res.status_code == status, res.body
    err = body(res)["error"]
    assert set(err) >= {"code", "message"} and err["message"]
    if code:
        assert err["code"] == code


def test_malformed_bodies(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    before = scan_table()
    _error(post(client, "/credentials", key, "{not json"), 400, "invalid_json")
    _error(post(client, "/credentials", key, "[1, 2]"), 400, "invalid_json")
    _error(post(client, "/credentials", key, ""), 400, "invalid_json")
    _error(post(client, "/credentials", key, "\xff\xfe"), 400, "invalid_json")
    _error(post(client, "/credentials", key, "[" * 100_000 + "]" * 100_000), 400, "invalid_json")
    deep = {"template_id": tpl, "email": "a@b.co", "first_name": "A", "last_name": "B", "evidence": [{"x": {}}]}
    _error(post(client, "/credentials", key, deep), 422, "validation_error")
    _error(post(client, "/credentials", key, {"template_id": tpl, "email": "not-an-email",
                                             "first_name": "A", "last_name": "B"}), 422)
    _error(post(client, "/credentials", key, {"template_id": tpl, "first_name": "A", "last_name": "B"}), 422)
    _error(post(client, "/credentials", key, {"template_id": tpl, "email": "a@b.co", "first_name": "A",
                                             "last_name": "B", "role": "admin"}), 422)
    _error(post(client, "/credentials", key, {"template_id": "../../x", "email": "a@b.co",
                                             "first_name": "A", "last_name": "B"}), 422)
    _error(post(client, "/credentials", key, {"template_id": tpl, "email": "a@b.co", "first_name": "A",
                                             "last_name": "B", "duplicate_policy": "merge"}), 422)
    _error(post(client, "/credentials", key, {"template_id": tpl, "email": "a@b.co", "first_name": "A",
                                             "last_name": "B", "evidence": [{"url": "ftp://x"}]}), 422)
    assert scan_table() == before


def test_oversize_body_is_413(client):
    _, key = new_issuer()
    payload = json.dumps({"name": "x", "description": "y" * (1024 * 1024 + 10)})
    _error(post(client, "/templates", key, payload), 413, "payload_too_large")


def test_wrong_content_type_and_method(client):
    _, key = new_issuer()
    res = client.http.post("/templates", headers={**auth(key), "Content-Type": "text/plain"}, body="hello")
    _error(res, 415, "unsupported_media_type")
    res = client.http.request("DELETE", "/templates", headers=auth(key))
    _error(res, 405)


def test_unknown_template_or_credential_id_is_404(client):
    _, key = new_issuer()
    _error(client.http.get("/templates/0123456789abcdef", headers=auth(key)), 404, "not_found")
    _error(client.http.get("/templates/zzz", headers=auth(key)), 404, "not_found")
    _error(client.http.get("/credentials/abc", headers=auth(key)), 404, "not_found")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "template_id": json_values, "email": json_values, "first_name": json_values, "last_name": json_values,
        "issued_at": json_values, "expires_at": json_values, "evidence": json_values, "duplicate_policy": json_values,
        "name": json_values, "description": json_values, "criteria": json_values, "expiry": json_values,
        "kind": json_values, "skills": json_values, "reason": json_values,
    },
)


def test_no_body_ever_causes_a_500(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    routes = ["/credentials", "/templates", f"/templates/{tpl}/activate", "/issuer/api-keys"]

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(route=st.sampled_from(routes), payload=fields | json_values)
    def check(route, payload):
        res = post(client, route, key, json.dumps(payload))
        assert res.status_code < 500, (route, payload, res.body)
        if res.status_code >= 400:
            assert "error" in body(res)

    check()

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(method=st.sampled_from(["PATCH"]), payload=fields | json_values)
    def check_patch(method, payload):
        res = client.http.request(method, f"/templates/{tpl}", headers=auth(key), body=json.dumps(payload))
        assert res.status_code < 500, (payload, res.body)

    check_patch()


def test_non_ascii_digits_in_limit_are_400(client):
    _, key = new_issuer()
    for value in ["²", "١٢", "1e3", "-1", "10000"]:
        _error(client.http.get(f"/templates?limit={value}", headers=auth(key)), 400)


def test_forged_cursor_keys_are_400(client):
    import base64

    tenant, key = new_issuer()
    for forged in [{"pk": {"S": f"T#{tenant}"}, "sk": {"S": ""}},
                   {"pk": {"S": f"T#{tenant}"}, "sk": {"S": "PROFILE"}},
                   {"pk": {"S": f"T#{tenant}"}, "sk": {"N": "1"}}]:
        cursor = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
        _error(client.http.get(f"/templates?cursor={cursor}", headers=auth(key)), 400)
