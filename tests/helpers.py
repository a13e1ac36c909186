"""Builders for integration tests: issuers, templates and credentials through the real API."""

from __future__ import annotations

import json
import re

from chalicelib.demo import badge_png

PNG = badge_png("TEST", 128)


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def new_issuer(name: str = "Acme Academy") -> tuple[str, str]:
    from chalicelib.schemas import IssuerIn
    from chalicelib.services import issuers

    issuer, key = issuers.create_issuer(IssuerIn(name=name, url="https://acme.example", email="badges@acme.example"))
    return issuer["id"], key


def post(client, path: str, key: str | None, payload, *, headers: dict | None = None):
    h = auth(key) if key else {"Content-Type": "application/json"}
    h.update(headers or {})
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.http.post(path, headers=h, body=body)


def template_payload(**overrides) -> dict:
    payload = {
        "name": "Data Steward",
        "description": "Knows how to keep data tidy.",
        "criteria": {"narrative": "Pass the data stewardship course."},
        "skills": ["Data quality", "Governance"],
        "kind": "certification",
        "expiry": {"unit": "years", "amount": 2},
    }
    payload.update(overrides)
    return payload


def active_template(client, key: str, **overrides) -> str:
    res = post(client, "/templates", key, template_payload(**overrides))
    assert res.status_code == 201, res.body
    tid = json.loads(res.body)["id"]
    res = client.http.put(f"/templates/{tid}/image", headers={**auth(key), "Content-Type": "image/png"}, body=PNG)
    assert res.status_code == 200, res.body
    res = post(client, f"/templates/{tid}/activate", key, b"")
    assert res.status_code == 200, res.body
    return tid


def issue(client, key: str, template_id: str, email: str = "grace@example.com", **extra):
    payload = {"template_id": template_id, "email": email, "first_name": "Grace", "last_name": "Hopper", **extra}
    return post(client, "/credentials", key, payload)


def claim_token_from(mail_body: str, credential_id: str) -> str:
    match = re.search(rf"/claim/{re.escape(credential_id)}\?token=([a-z2-7]+)", mail_body)
    assert match, mail_body
    return match.group(1)
