"""Revocation, privacy changes and erasure invalidate what the CDN cached (issue 17, item 3):
"a CloudFront invalidation from the write path, batched, so a revoked credential is never
shown valid for longer than the invalidation takes".

The write path queues one message per write on the events queue; the events worker sends it
to CloudFront as one invalidation (services/cdn.py). Here CloudFront is moto's: the
distribution the worker is told about (`LAUREL_DISTRIBUTION_ID`) records the invalidations."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib.adapters import queue
from chalicelib.config import get_settings
from chalicelib.routes.jobs import QUEUE_HANDLER
from tests.conftest import body
from tests.helpers import Browser, active_template, claim_token_from, csrf_of, issue, new_issuer, post, sign_in
from tests.integration.test_webhooks import take

EMAIL = "grace@example.com"


@pytest.fixture()
def distribution(aws_env, monkeypatch):
    cf = boto3.client("cloudfront", region_name="us-east-1")
    created = cf.create_distribution(DistributionConfig={
        "CallerReference": "laurel-test", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "api", "DomainName": "api.example.com", "CustomOriginConfig": {
            "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "api", "ViewerProtocolPolicy": "redirect-to-https"},
    })["Distribution"]["Id"]
    # what infra/edge.py sets: the writers queue, the worker sends to this distribution
    monkeypatch.setenv("LAUREL_CDN_INVALIDATE", "1")
    monkeypatch.setenv("LAUREL_DISTRIBUTION_ID", created)
    get_settings.cache_clear()
    yield created
    get_settings.cache_clear()


def invalidations(distribution_id: str) -> list[list[str]]:
    """Each invalidation CloudFront received: its paths."""
    cf = boto3.client("cloudfront", region_name="us-east-1")
    listed = cf.list_invalidations(DistributionId=distribution_id)["InvalidationList"].get("Items", [])
    return [sorted(cf.get_invalidation(DistributionId=distribution_id, Id=i["Id"])["Invalidation"]
                   ["InvalidationBatch"]["Paths"]["Items"]) for i in listed]


def work_the_events_queue(client) -> list[dict]:
    """What Lambda does with the events queue: every message to the worker; the messages."""
    messages = [m for m, _ in take(queue.events_queue_name())]
    if messages:
        event = client.events.generate_sqs_event(message_bodies=[json.dumps(m) for m in messages],
                                                 queue_name=queue.events_queue_name())
        assert client.lambda_.invoke(QUEUE_HANDLER, event).payload == {"batchItemFailures": []}
    return messages


def accepted_credential(client, key: str, tpl: str, email: str = EMAIL, **extra) -> dict:
    cred = body(issue(client, key, tpl, email=email, **extra))
    from tests.conftest import sent_mail

    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    res = client.http.post(f"/claim/{cred['id']}", headers={"Content-Type": "application/json"},
                           body=json.dumps({"token": token, "decision": "accept"}))
    assert res.status_code == 200, res.body
    return cred


def expected_paths(tenant: str, cid: str, list_no: int = 0) -> list[str]:
    return sorted([f"/badges/{cid}*", f"/assets/baked/{tenant}/{cid}/*", f"/ob/v2/assertions/{cid}", f"/ob/v2/assertions/{cid}/badge",
                   f"/ob/v3/credentials/{cid}", f"/ob/v3/credentials/{cid}.jwt", f"/ob/v2/issuers/{tenant}/revocations",
                   f"/assets/status/{tenant}/{list_no}.json", f"/assets/status/{tenant}/{list_no}.jwt"])


def test_a_revocation_makes_one_invalidation_naming_the_credentials_paths(client, distribution):
    tenant, key = new_issuer()
    tpl = active_template(client, key)
    cred = accepted_credential(client, key, tpl)
    work_the_events_queue(client)  # issuance's own messages (webhooks: none subscribed)
    assert invalidations(distribution) == []
    res = post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "issued in error"})
    assert res.status_code == 200, res.body
    work_the_events_queue(client)
    assert invalidations(distribution) == [expected_paths(tenant, cred["id"])]
    # revoking again changes nothing stored, and invalidates the same paths again: it heals an attempt that
    # stored the revocation but lost its invalidation (test_revoking_again_invalidates_again_...)
    assert post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "again"}).status_code == 200
    work_the_events_queue(client)
    assert invalidations(distribution) == [expected_paths(tenant, cred["id"])] * 2


def test_replacing_several_copies_at_once_is_one_batched_invalidation(client, distribution):
    """The bulk revocation the code has: issuing with duplicate_policy=replace revokes every
    copy the person holds (services/openbadges.record_replaced): one invalidation names them all."""
    tenant, key = new_issuer()
    tpl = active_template(client, key)
    copies = [body(issue(client, key, tpl, duplicate_policy="allow"))["id"] for _ in range(2)]
    work_the_events_queue(client)
    res = issue(client, key, tpl, duplicate_policy="replace")
    assert res.status_code == 201, res.body
    work_the_events_queue(client)
    (paths,) = invalidations(distribution)
    for cid in copies:
        assert f"/badges/{cid}*" in paths and f"/ob/v3/credentials/{cid}" in paths, cid
    assert f"/ob/v2/issuers/{tenant}/revocations" in paths


def test_an_erasure_across_many_credentials_is_one_invalidation_within_cloudfronts_wildcard_quota(
        client, distribution):
    tenant, key = new_issuer()
    tpl = active_template(client, key)
    from chalicelib.services.cdn import MAX_WILDCARDS

    many = [body(issue(client, key, tpl, duplicate_policy="allow"))["id"] for _ in range(MAX_WILDCARDS + 2)]
    work_the_events_queue(client)
    from chalicelib.services import rights

    rights.erase_on_request(EMAIL, confirm="erase")
    work_the_events_queue(client)
    (paths,) = invalidations(distribution)
    # one wildcard for every page, one for every baked image: not one each per credential
    assert [p for p in paths if p.endswith("*")] == ["/assets/baked*", "/badges/*"]
    for cid in many:
        assert f"/ob/v2/assertions/{cid}" in paths and f"/ob/v3/credentials/{cid}.jwt" in paths, cid


def test_hiding_and_restricting_invalidate_the_credentials_pages(client, distribution):
    tenant, key = new_issuer()
    tpl = active_template(client, key)
    cred = accepted_credential(client, key, tpl)
    other = accepted_credential(client, key, tpl, duplicate_policy="allow")
    work_the_events_queue(client)
    b = Browser(client)
    sign_in(b, EMAIL)
    csrf = csrf_of(b.text(b.get(f"/wallet/credentials/{cred['id']}")))
    res = b.post(f"/wallet/credentials/{cred['id']}/visibility", {"visibility": "private", "csrf": csrf})
    assert res.status_code == 303, res.body
    work_the_events_queue(client)
    assert invalidations(distribution) == [expected_paths(tenant, cred["id"])]
    from chalicelib.services import rights

    rights.restrict_on_request(EMAIL)
    work_the_events_queue(client)
    assert len(invalidations(distribution)) == 2
    restricted = invalidations(distribution)[-1] if invalidations(distribution)[0] == expected_paths(
        tenant, cred["id"]) else invalidations(distribution)[0]
    assert f"/badges/{other['id']}*" in restricted and f"/badges/{cred['id']}*" in restricted


def test_without_a_cdn_the_write_path_queues_nothing(client):
    """`make run` and the rest of the suite: no distribution, no message, no CloudFront call."""
    assert not get_settings().cdn_invalidate
    tenant, key = new_issuer()
    tpl = active_template(client, key)
    cred = body(issue(client, key, tpl))
    take(queue.events_queue_name())
    assert post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "x"}).status_code == 200
    assert take(queue.events_queue_name()) == []


def test_a_failed_invalidation_comes_back_from_the_queue(client, distribution, monkeypatch):
    """CloudFront refusing (throttled, quota) fails the message: SQS brings it back (then the DLQ)."""
    tenant, key = new_issuer()
    tpl = active_template(client, key)
    cred = body(issue(client, key, tpl))
    work_the_events_queue(client)
    assert post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "x"}).status_code == 200
    messages = [m for m, _ in take(queue.events_queue_name())]
    assert [list(m) for m in messages] == [["invalidate"]]
    monkeypatch.setenv("LAUREL_DISTRIBUTION_ID", "EDFDVBD6EXAMPLE")  # a distribution that does not exist
    get_settings.cache_clear()
    event = client.events.generate_sqs_event(message_bodies=[json.dumps(m) for m in messages],
                                             queue_name=queue.events_queue_name())
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    # the whole batch failed: the invocation fails, and Lambda leaves every message on the queue
    with pytest.raises(BatchProcessingError, match="NoSuchDistribution"):
        client.lambda_.invoke(QUEUE_HANDLER, event)



def test_revoking_again_invalidates_again_so_a_retry_heals_a_lost_invalidation(client, distribution, monkeypatch):
    """The revocation is stored, then queueing its invalidation fails (the caller sees an
    error and retries): the retry answers 200 as "already revoked", and it must queue the
    invalidation the first attempt lost, or the CDN keeps the credential valid until its
    cache runs out."""
    _, key = new_issuer()
    tpl = active_template(client, key)
    cred = accepted_credential(client, key, tpl)
    real_send = queue.send
    monkeypatch.setattr(queue, "send", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("SQS unavailable")))
    lost = client.http.post(f"/credentials/{cred['id']}/revoke", headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        body=json.dumps({"reason": "Issued in error"}))
    assert lost.status_code == 500
    assert invalidations(distribution) == [] and work_the_events_queue(client) == []
    monkeypatch.setattr(queue, "send", real_send)
    assert post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "Issued in error"}).status_code == 200
    work_the_events_queue(client)
    (paths,) = invalidations(distribution)
    assert f"/badges/{cred['id']}*" in paths


def test_a_key_rotation_invalidates_every_issuer_profile_and_the_jwks(client, distribution):
    """A rotation changes what every issuer profile, key URL, DID document and the JWKS list:
    a cached copy without the new key would fail verification of what is signed from now on."""
    from chalicelib.services import signing

    signing.rotate_ed25519()
    work_the_events_queue(client)
    (paths,) = invalidations(distribution)
    assert paths == ["/.well-known/jwks.json", "/ob/v3/issuers/*"]
