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


class Browser:
    """An earner's browser over the Chalice test client: keeps cookies, posts forms
    with the CSRF token of the page they came from."""

    def __init__(self, client):
        self.client = client
        self.cookies: dict[str, str] = {}
        self.last_set_cookie: str | None = None

    def _headers(self, extra: dict | None = None) -> dict:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep(self, response):
        header = response.headers.get("Set-Cookie") or response.headers.get("set-cookie")
        # several cookies come as a list (Chalice's multi-value headers: a console page that
        # sets its own cookie and remembers a ?lang= choice)
        for one in (header if isinstance(header, list) else [header] if header else []):
            self.last_set_cookie = one
            name, _, rest = one.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in one:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path: str, headers: dict | None = None):
        return self._keep(self.client.http.get(path, headers=self._headers(headers)))

    def post(self, path: str, fields: dict, headers: dict | None = None):
        from urllib.parse import urlencode

        h = self._headers({"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
        return self._keep(self.client.http.post(path, headers=h, body=urlencode(fields)))

    def text(self, response) -> str:
        return response.body.decode() if isinstance(response.body, bytes) else response.body

    def csrf(self, path: str = "/signin") -> str:
        return csrf_of(self.text(self.get(path)))


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def signin_mail(to: str, path: str = "/signin/") -> tuple[str, str, str]:
    """(login id, token, code) from the newest sign-in mail sent to `to` whose link
    starts with `path` right after the host (the wallet's, or the console's
    "/console/signin/": one never matches the other)."""
    from tests.conftest import sent_mail

    pattern = re.compile(r"https?://[^/\s\"]+" + re.escape(path) + r"([a-z2-7]{32})\?token=([a-z2-7]+)")
    for m in reversed(sent_mail()):
        link = pattern.search(m["body"]) if m["to"] == [to] else None
        if link:
            code = re.search(r">([0-9]{6})</strong>", m["body"])
            assert code, m["body"]
            return link.group(1), link.group(2), code.group(1)
    raise AssertionError(f"no sign-in mail to {to}")


def sign_in(browser: Browser, email: str, next_path: str | None = None):
    """The whole sign-in by link: form, mail, link page, button. Returns the last response."""
    csrf = browser.csrf("/signin")
    fields = {"email": email, "csrf": csrf, **({"next": next_path} if next_path else {})}
    res = browser.post("/signin", fields)
    assert res.status_code == 200, res.body
    login_id, token, _ = signin_mail(email)
    page = browser.get(f"/signin/{login_id}?token={token}")
    assert page.status_code == 200, page.body
    res = browser.post(f"/signin/{login_id}", {"token": token, "csrf": csrf_of(browser.text(page))})
    assert res.status_code == 303, res.body
    return res


def delete_account(browser: Browser):
    """The earner deletes their account from the privacy page (the confirmation box ticked)."""
    csrf = csrf_of(browser.text(browser.get("/wallet/privacy")))
    return browser.post("/wallet/delete", {"csrf": csrf, "confirm": "delete"})


EVENTS_QUEUE = "laurel-test-events"


def run_events_queue(client, *, queue: str = EVENTS_QUEUE, visibility: int | None = None) -> list[tuple[dict, bool]]:
    """Hand every message waiting on the events queue to its real handler
    (`deliver_webhooks`), one per invocation as Lambda could, and delete the ones it
    handled, as the event source mapping does. Returns (message, handled) in order; a
    failed message stays on the queue (`visibility`: seconds until it comes back, as
    ReceiveMessage's VisibilityTimeout; default the queue's own)."""
    import boto3
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    done: list[tuple[dict, bool]] = []
    seen: set[str] = set()
    while True:
        extra = {} if visibility is None else {"VisibilityTimeout": visibility}
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, **extra).get("Messages", [])
        fresh = [m for m in got if m["MessageId"] not in seen]
        if not fresh:  # empty, or only what failed in this call and came back
            return done
        for message in fresh:
            seen.add(message["MessageId"])
            event = client.events.generate_sqs_event(message_bodies=[message["Body"]], queue_name=queue)
            try:
                failures = client.lambda_.invoke("deliver_webhooks", event).payload["batchItemFailures"]
            except BatchProcessingError:  # every record of the batch failed: the invocation fails
                failures = [message["MessageId"]]
            if not failures:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            done.append((json.loads(message["Body"]), not failures))
