"""Laurel's public web as an outside verifier sees it, without a network: the API's
documents through the Chalice test client, the CDN's (status lists, images) from the
embedded S3. Independent verifiers are handed `fetch` (openbadgeslib's `download`) or
the documents `documents_for` gathers (the DCC harness's loader, tests/interop/dcc_verify.mjs).

A non-2xx answer raises `urllib.error.HTTPError`, as openbadgeslib's own
`util.download_file` does over HTTPS: a verifier sees a 410 Gone as it would live.
"""

from __future__ import annotations

import io
import json
import urllib.error
from email.message import Message
from typing import Any

import boto3

BASE = "https://laurel.test"
ASSETS = "https://assets.laurel.test"
BUCKET = "laurel-test-assets"
# What @digitalcredentials/http-client and most JSON-LD loaders ask for
LD_ACCEPT = "application/ld+json, application/json"
# the members whose values name another document a verifier has to load
LINKS = ("issuer", "verificationMethod", "statusListCredential", "controller")


class LaurelWeb:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.fetched: list[str] = []

    def fetch(self, url: str, accept: str = LD_ACCEPT) -> bytes:
        """The body at `url` (its fragment is never sent, as over HTTP)."""
        url = url.split("#", 1)[0]
        self.fetched.append(url)
        if url.startswith(ASSETS + "/"):
            s3 = boto3.client("s3", region_name="us-east-1")
            try:
                return s3.get_object(Bucket=BUCKET, Key=url.removeprefix(ASSETS + "/"))["Body"].read()
            except s3.exceptions.NoSuchKey:
                raise _http_error(url, 404, b"") from None
        if not url.startswith(BASE + "/"):
            raise urllib.error.URLError(f"not Laurel's: {url} (the interop tests run offline)")
        res = self.client.http.get(url.removeprefix(BASE), headers={"Accept": accept})
        data = res.body if isinstance(res.body, bytes) else res.body.encode()
        if not 200 <= res.status_code < 300:
            raise _http_error(url, res.status_code, data)
        return data

    def json(self, url: str, accept: str = LD_ACCEPT) -> Any:
        return json.loads(self.fetch(url, accept))

    def documents_for(self, document: dict) -> dict[str, Any]:
        """Every Laurel document a JSON-LD verifier loads for `document`: the issuer
        profile, the proof's key, the status list, and theirs in turn (by URL without
        fragment; a body that is not JSON is passed as text)."""
        documents: dict[str, Any] = {}
        todo = _links(document)
        while todo:
            url = todo.pop().split("#", 1)[0]
            if url in documents or not url.startswith((BASE + "/", ASSETS + "/")):
                continue
            try:
                raw = self.fetch(url)
            except urllib.error.HTTPError:
                continue  # the verifier meets the same absence and says so
            try:
                documents[url] = json.loads(raw)
            except ValueError:
                documents[url] = raw.decode()
                continue
            todo |= _links(documents[url])
        return documents


def _links(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _links(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in LINKS:
                if isinstance(item, str):
                    found.add(item)
                elif isinstance(item, dict) and isinstance(item.get("id"), str):
                    found.add(item["id"])
            found |= _links(item)
    return found


def _http_error(url: str, status: int, data: bytes) -> urllib.error.HTTPError:
    reasons = {404: "Not Found", 410: "Gone"}
    return urllib.error.HTTPError(url, status, reasons.get(status, "Error"), Message(), io.BytesIO(data))
