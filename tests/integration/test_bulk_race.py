"""Bulk rows racing single issuances for the same people: `deny` must hold on every
path (issue 12, item 2: a 100-row job racing single POSTs left 6 people with two
live credentials).

The threads share one moto. Real DynamoDB runs each request atomically (a
conditional write checks and writes as one step; a transaction never undoes a
neighbour's write); moto in-process does not lock, so `atomic_dynamodb` makes each
DynamoDB request one step, as the service does, and `atomic_s3` each S3 object request
(real S3 stores a PUT whole). Nothing else is faked.
"""

from __future__ import annotations

import json
import random
import threading
import traceback
from collections import Counter

import boto3
import pytest

from chalicelib import schemas
from chalicelib.domain.errors import LaurelError
from chalicelib.services import bulk
from chalicelib.services import credentials as credential_service
from chalicelib.store import credentials as cred_store
from tests.conftest import body, scan_table
from tests.helpers import active_template, auth, new_issuer, post

QUEUE = "laurel-test-bulk"
PEOPLE = 100
FORCED = 25  # people in the tests that force one interleaving (the free-running race has all 100)
ROUNDS = 2
LIVE = ("pending", "accepted")


@pytest.fixture()
def atomic_dynamodb(monkeypatch):
    from moto.dynamodb.responses import DynamoHandler

    lock, original = threading.RLock(), DynamoHandler.call_action

    def one_step(self):
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", one_step)


@pytest.fixture()
def atomic_s3(monkeypatch):
    """Real S3 stores each PUT whole (two PUTs of one key: the last one wins). moto in-process
    puts the new object in the bucket, closing the replaced object's buffer, and only then
    reads the new object's ETag from its buffer: when two threads PUT the same key, the first
    can find its buffer closed by the second, `ValueError('I/O operation on closed file.')`
    (seen in the free-running race: two issuances in a fresh tenant publishing status list 0
    at once, one for the block that starts the list, one from `_ensure_both_forms` finding
    no `.jwt` yet). One lock makes each S3 object request one step, as S3 does."""
    from moto.s3.responses import S3Response

    lock, original = threading.RLock(), S3Response.key_response

    def one_step(self, *args, **kwargs):
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(S3Response, "key_response", one_step)


@pytest.fixture()
def issuer(client, atomic_dynamodb, atomic_s3):
    tenant_id, key = new_issuer()
    return tenant_id, key, active_template(client, key)


def addresses(round_no: int = 0, people: int = PEOPLE) -> list[str]:
    return [f"r{round_no}p{i}@example.com" for i in range(people)]


def submit_job(client, key, tpl, emails) -> str:
    csv = "email,first_name,last_name,template_id\n" + "".join(f"{e},Bulk,Row,{tpl}\n" for e in emails)
    res = client.http.post("/bulk-jobs?suppress_email=true", headers={**auth(key), "Content-Type": "text/csv"},
                           body=csv.encode())
    assert res.status_code == 202, res.body
    return body(res)["id"]


def queued_messages() -> list[dict]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    out = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def single_http(client, key, tpl, email) -> int:
    res = post(client, "/credentials", key, {"template_id": tpl, "email": email, "first_name": "Single",
                                             "last_name": "Post", "suppress_email": True})
    assert res.status_code in (201, 409), res.body  # never a 500
    if res.status_code == 409:
        assert body(res)["error"]["code"] in ("duplicate_credential", "concurrent_update"), res.body
    return res.status_code


def single_service(tenant_id, tpl, email) -> int:
    data = schemas.IssueIn(template_id=tpl, email=email, first_name="Single", last_name="Call", suppress_email=True)
    try:
        credential_service.issue(tenant_id, data)
    except LaurelError as exc:
        assert exc.status == 409 and exc.code in ("duplicate_credential", "concurrent_update"), exc.message
        return 409
    return 201


def live_per_person(tpl) -> Counter:
    return Counter(i["email"] for i in scan_table()
                   if i["sk"] == "C" and i["template_id"] == tpl and i["status"] in LIVE)


def failures(errors: list[BaseException]) -> str:
    """Each worker thread's exception with its whole traceback: a bare `ValueError('I/O
    operation on closed file.')` from a thread does not say which call raised it."""
    return "\n".join("".join(traceback.format_exception(exc)) for exc in errors)


def job_of(client, key, job_id) -> dict:
    return body(client.http.get(f"/bulk-jobs/{job_id}", headers=auth(key)))


def run_paused(monkeypatch, target_module, name, work, during, *, after=False):
    """Run `work` in a thread; the first time it calls `target_module.name`, hold it
    just before (or `after`) that call, run `during` in this thread, then let it go on."""
    real, reached, go, errors = getattr(target_module, name), threading.Event(), threading.Event(), []

    def hold():
        if not reached.is_set():
            reached.set()
            assert go.wait(600)

    def paused(*args, **kwargs):
        if not after:
            hold()
        result = real(*args, **kwargs)
        if after:
            hold()
        return result

    monkeypatch.setattr(target_module, name, paused)

    def runner():
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported in the main thread
            errors.append(exc)
            reached.set()

    thread = threading.Thread(target=runner)
    thread.start()
    assert reached.wait(600)
    try:
        during()
    finally:
        go.set()
        thread.join(600)
    assert not errors, failures(errors)
    assert not thread.is_alive()


def test_single_issuances_between_the_bulk_read_and_write_leave_one_credential_each(client, issuer, monkeypatch):
    """The chunk has read the recipients' slots (nobody holds anything); before it
    writes, every person is issued through POST /credentials."""
    tenant_id, key, tpl = issuer
    emails = addresses(people=FORCED)
    job_id = submit_job(client, key, tpl, emails)
    [message] = queued_messages()
    statuses = []
    run_paused(monkeypatch, cred_store, "recipient_slots", lambda: bulk.process_chunk(message),
               lambda: statuses.extend(single_http(client, key, tpl, e) for e in emails), after=True)
    assert statuses == [201] * FORCED  # the singles went first
    live = live_per_person(tpl)
    doubles = sorted(e for e, n in live.items() if n > 1)
    assert not doubles, f"{len(doubles)} people hold two live credentials: {doubles[:5]}"
    assert set(live) == set(emails)
    done = job_of(client, key, job_id)
    assert (done["issued"], done["duplicates"], done["failed"]) == (0, FORCED, 0), done


def test_single_issuances_while_bulk_rows_are_in_flight_are_refused(client, issuer, monkeypatch):
    """The chunk has decided to issue and is about to store its credentials; single
    issuances for the same people arriving now are refused under `deny`."""
    tenant_id, key, tpl = issuer
    emails = addresses(people=FORCED)
    job_id = submit_job(client, key, tpl, emails)
    [message] = queued_messages()
    statuses = []
    run_paused(monkeypatch, cred_store, "batch_put", lambda: bulk.process_chunk(message),
               lambda: statuses.extend(single_service(tenant_id, tpl, e) for e in emails))
    assert statuses == [409] * FORCED
    live = live_per_person(tpl)
    assert set(live) == set(emails) and set(live.values()) == {1}, [e for e, n in live.items() if n > 1][:5]
    done = job_of(client, key, job_id)
    assert (done["issued"], done["duplicates"], done["failed"]) == (FORCED, 0, 0), done


def test_bulk_chunks_and_single_posts_racing_for_the_same_people(client, issuer, monkeypatch):
    """Free-running: a worker thread issues the job's chunks while one thread POSTs
    /credentials and three more issue through the service (in order, reversed and
    shuffled), all for the same 100 people, released together; two rounds."""
    tenant_id, key, tpl = issuer
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 5)
    for round_no in range(ROUNDS):
        emails = addresses(round_no)
        job_id = submit_job(client, key, tpl, emails)
        messages = queued_messages()
        assert len(messages) == PEOPLE // 5
        shuffled = random.Random(round_no).sample(emails, len(emails))
        start, errors, outcomes = threading.Barrier(5), [], Counter()

        def guarded(work):
            def run():
                try:
                    start.wait(30)
                    work()
                except BaseException as exc:  # noqa: BLE001 - reported in the main thread
                    errors.append(exc)
            return threading.Thread(target=run)

        def worker():
            for m in messages:
                bulk.process_chunk(m)

        def http_singles():  # the only thread using the Chalice test client
            outcomes.update(single_http(client, key, tpl, e) for e in emails)

        def service_singles(order):
            return lambda: outcomes.update(single_service(tenant_id, tpl, e) for e in order)

        threads = [guarded(worker), guarded(http_singles), guarded(service_singles(emails[::-1])),
                   guarded(service_singles(shuffled)), guarded(service_singles(emails[50:] + emails[:50]))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        assert not errors, failures(errors)
        live = live_per_person(tpl)
        doubles = sorted(e for e, n in live.items() if n > 1 and e in emails)
        assert not doubles, f"round {round_no}: {len(doubles)} people hold two live credentials: {doubles[:5]}"
        assert {e for e in live if e in emails} == set(emails)
        done = job_of(client, key, job_id)
        assert done["state"] == "completed"
        assert done["issued"] + done["duplicates"] + done["failed"] == PEOPLE, done
        assert done["issued"] + outcomes[201] == PEOPLE, (done, outcomes)


class _Crash(Exception):
    pass


def crash_once_before_writing(monkeypatch):
    """The worker dies after claiming its rows' slots, before storing the credentials."""
    real = cred_store.batch_put
    calls = []

    def batch_put(items, *rest):
        calls.append(len(items))
        if len(calls) == 1:
            raise _Crash("the worker stopped here")
        return real(items, *rest)

    monkeypatch.setattr(cred_store, "batch_put", batch_put)
    return calls


def test_a_chunk_that_stopped_after_claiming_finishes_on_redelivery(client, issuer, monkeypatch):
    tenant_id, key, tpl = issuer
    emails = addresses()[:5]
    job_id = submit_job(client, key, tpl, emails)
    [message] = queued_messages()
    crash_once_before_writing(monkeypatch)
    with pytest.raises(_Crash):
        bulk.process_chunk(message)
    assert live_per_person(tpl) == Counter()
    # meanwhile a single issuance for one of them: the claimed row counts as held
    assert single_service(tenant_id, tpl, emails[0]) == 409
    bulk.process_chunk(message)  # SQS delivers the message again
    assert live_per_person(tpl) == Counter({e: 1 for e in emails})
    done = job_of(client, key, job_id)
    assert (done["issued"], done["duplicates"], done["failed"]) == (5, 0, 0), done


def test_an_abandoned_claim_stops_blocking_after_the_worker_timeout(client, issuer, monkeypatch):
    from datetime import timedelta

    from chalicelib.domain.credentials import CLAIM_SECONDS
    from chalicelib.services import clock

    tenant_id, key, tpl = issuer
    emails = addresses()[:3]
    job_id = submit_job(client, key, tpl, emails)
    [message] = queued_messages()
    crash_once_before_writing(monkeypatch)
    with pytest.raises(_Crash):
        bulk.process_chunk(message)
    later = clock.utcnow() + timedelta(seconds=CLAIM_SECONDS + 1)
    monkeypatch.setattr(clock, "utcnow", lambda: later)  # the one clock every service reads
    assert single_service(tenant_id, tpl, emails[0]) == 201  # the worker is long gone: the claim lapsed
    bulk.process_chunk(message)  # the message comes back after all
    assert live_per_person(tpl) == Counter({e: 1 for e in emails})
    done = job_of(client, key, job_id)
    assert (done["issued"], done["duplicates"], done["failed"]) == (2, 1, 0), done
