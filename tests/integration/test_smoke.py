import json

from tests.conftest import body, sent_mail
from tests.helpers import active_template, claim_token_from, issue, new_issuer, post


def test_lifecycle(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    res = issue(client, key, tpl)
    assert res.status_code == 201, res.body
    cred = body(res)
    assert cred["status"] == "pending"
    mails = sent_mail()
    assert len(mails) == 1
    token = claim_token_from(mails[0]["body"], cred["id"])
    assert client.http.get(f"/badges/{cred['id']}").status_code == 404
    page = client.http.get(f"/claim/{cred['id']}?token={token}")
    assert page.status_code == 200, page.body
    res = post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
    assert res.status_code == 200, res.body
    res = client.http.get(f"/badges/{cred['id']}")
    assert res.status_code == 200, res.body
    print(res.headers)
