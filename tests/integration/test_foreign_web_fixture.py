"""The loopback issuer host the foreign-badge corpus runs on is reachable only over https
under its own CA, and only for tests that ask for it."""

from __future__ import annotations

import pytest

from chalicelib.adapters import fetch
from chalicelib.services import badge_check


def test_the_verifier_fetches_foreign_documents_over_https_from_the_fixture_host(foreign_web):
    url = foreign_web.put("/issuer.json", {"type": "Profile", "name": "Foreign U"})
    got = fetch.fetch(url, badge_check.fetching.policy())
    assert got.status == 200 and b"Foreign U" in got.body
    assert foreign_web.requests == ["/issuer.json"]
    assert foreign_web.did_web.startswith("did:web:localhost%3A")


def test_without_the_fixture_ca_the_host_is_not_trusted(foreign_web):
    url = foreign_web.put("/issuer.json", {"type": "Profile"})
    with pytest.raises(fetch.FetchError, match="could not fetch"):
        fetch.fetch(url, fetch.Policy(allow_private=True))
    with pytest.raises(fetch.FetchError, match="non-public address"):
        fetch.fetch(url, fetch.Policy(cafile=str(foreign_web.cafile)))
