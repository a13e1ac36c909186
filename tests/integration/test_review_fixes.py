"""Edge cases found in review: each once answered 500, leaked state or raced."""

import pytest
from botocore.exceptions import ClientError

from chalicelib.store import credentials as cred_store
from tests.conftest import body, scan_table, sent_mail
from tests.helpers import active_template, auth, claim_token_from, issue, new_issuer, post


@pytest.fixture()
def issuer(client):
    _, key = new_issuer()
    return key, active_template(client, key)


def test_non_ascii_digits_in_limit_are_400(client, issuer):
    key, _ = issuer
    for value in ["²", "١٢", "1e3", "-1", "10000"]:
        assert client.http.get(f"/templates?limit={value}", headers=auth(key)).status_code == 400, value


def test_overlong_claim_token_is_a_page_not_a_500(client, issuer):
    key, tpl = issuer
    cred = body(issue(client, key, tpl))
    res = client.http.get(f"/claim/{cred['id']}?token={'a' * 500}")
    assert res.status_code == 400 and b"<html" in res.body


@pytest.mark.parametrize("field, value", [
    ("issued_at", "0001-01-01T00:30:00+01:00"), ("expires_at", "9999-12-31T23:00:00-05:00"),
    ("issued_at", "0999-03-01"), ("email", "用户@example.com"), ("first_name", "Eve\r\nBcc: x@y.z"),
    ("last_name", "\x00"),
])
def test_out_of_range_dates_non_ascii_mail_and_control_characters_are_422(client, issuer, field, value):
    key, tpl = issuer
    res = issue(client, key, tpl, **{field: value})
    assert res.status_code == 422, res.body


def test_mail_refused_by_ses_is_reported_not_a_500(client, issuer, monkeypatch):
    from chalicelib.adapters import mail

    key, tpl = issuer

    class Refusing:
        def send_email(self, **_):
            raise ClientError({"Error": {"Code": "MessageRejected", "Message": "Email address is not verified"}},
                              "SendEmail")

    monkeypatch.setattr(mail, "client", lambda service: Refusing())
    res = issue(client, key, tpl)
    assert res.status_code == 201 and body(res)["claim_mail_sent"] is False
    cid = body(res)["id"]
    res = post(client, f"/credentials/{cid}/resend", key, b"")
    assert res.status_code == 503 and body(res)["error"]["code"] == "mail_not_sent"
    monkeypatch.undo()
    assert post(client, f"/credentials/{cid}/resend", key, b"").status_code == 200


def test_claim_answers_reveal_nothing_without_the_token(client, issuer):
    key, tpl = issuer
    cred = body(issue(client, key, tpl))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "reject"})
    wrong = post(client, f"/claim/{cred['id']}", None, {"token": "b" * 32, "decision": "accept"})
    assert wrong.status_code == 404 and b"reject" not in wrong.body
    replay = post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
    assert replay.status_code == 410 and body(replay)["error"]["code"] == "claim_used"


def test_deny_holds_even_when_the_index_lags(client, issuer, monkeypatch):
    key, tpl = issuer
    monkeypatch.setattr(cred_store, "for_recipient", lambda *a, **k: [])  # a stale by_email index
    assert issue(client, key, tpl).status_code == 201
    res = issue(client, key, tpl)
    assert res.status_code == 409 and body(res)["error"]["code"] == "duplicate_credential"


def test_concurrent_issuance_of_the_same_credential_fails_one(client, issuer, monkeypatch):
    key, tpl = issuer
    read_slot = cred_store.recipient_slot
    snapshots = []

    def racing_slot(*args):
        # both requests read the slot before either writes: the second sees the first's snapshot
        snapshots.append(read_slot(*args))
        return snapshots[0]

    monkeypatch.setattr(cred_store, "recipient_slot", racing_slot)
    assert issue(client, key, tpl, duplicate_policy="allow").status_code == 201
    before = len([i for i in scan_table() if i["sk"] == "C"])
    res = issue(client, key, tpl, duplicate_policy="allow")
    assert res.status_code == 409 and body(res)["error"]["code"] == "concurrent_update"
    assert len([i for i in scan_table() if i["sk"] == "C"]) == before


def test_forged_cursor_keys_are_400(client, issuer):
    import base64
    import json

    key, _ = issuer
    tenant = key.split("_")[2]
    for forged in [{"pk": {"S": f"T#{tenant}"}, "sk": {"S": ""}},
                   {"pk": {"S": f"T#{tenant}"}, "sk": {"S": "PROFILE"}},
                   {"pk": {"S": f"T#{tenant}"}, "sk": {"N": "1"}}]:
        cursor = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
        res = client.http.get(f"/templates?cursor={cursor}", headers=auth(key))
        assert res.status_code == 400, forged


def test_replace_refuses_more_than_one_transaction_can_hold(client, issuer, monkeypatch):
    key, tpl = issuer
    monkeypatch.setattr(cred_store, "MAX_REPLACED", 1)
    issue(client, key, tpl)
    issue(client, key, tpl, duplicate_policy="allow")
    res = issue(client, key, tpl, duplicate_policy="replace")
    assert res.status_code == 409 and body(res)["error"]["code"] == "too_many_duplicates"


def test_verification_page_has_open_graph_tags(client, issuer):
    key, tpl = issuer
    cred = body(issue(client, key, tpl))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
    html = client.http.get(f"/badges/{cred['id']}").body.decode()
    assert f'<meta property="og:url" content="https://laurel.test/badges/{cred["id"]}">' in html
    assert '<meta property="og:image" content="https://assets.laurel.test/assets/templates/' in html
    assert 'og:title" content="Data Steward"' in html and "View my verified achievement" in html
