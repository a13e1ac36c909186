"""Engagement analytics end to end, under moto in-process (issue 15, item 1).

1. 500 accepted credentials (issued through the API, accepted through their claim
   links), then 10,000 public page views spread over them through the public route
   (`GET /badges/{id}`, the Chalice test client; one view in five by a link-preview
   crawler, referring networks mixed), recorded as the local stage records them
   (a spool file of event lines), then aggregated by the EngagementAggregator
   handler in CloudWatch-sized deliveries of 1,000 lines. Prints `views_counted`
   (view.person + view.crawler in the tenant's totals; target 10,000) and, from one
   more view under tests/aws_calls.py, `verify_aws_calls` (target 1).
2. The dashboard's read at two tenant sizes: the AWS calls of reading what the
   dashboard reads for a 90-day range (`dashboard_reads` below: the dashboard
   service, `services.dashboard.tenant`) for a tenant of 1,000 credentials and one of 50,000.
   Creating 50,000 credentials through the API would take hours here, so their
   counters are written directly through the aggregation's own store write
   (`store.engagement.apply`) from synthetic lifecycle and view events (issued over
   90 days across 8 templates, 80 % accepted, two views each), summed per counter
   item first: moto copies the whole table for every TransactWriteItems, so one
   transaction per event chunk over a table of 100,000s of items would take hours
   (DynamoDB does not). Per-credential totals are not written for them: the
   dashboard does not read them. Prints last `dashboard_read_growth` = calls at
   50,000 ÷ calls at 1,000 (target 1.0).

"""

from __future__ import annotations

import os
import random
import re
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _moto_env import setup  # noqa: E402

setup()
SPOOL = Path(tempfile.mkdtemp()) / "engagement.jsonl"
os.environ["LAUREL_ENGAGEMENT_SPOOL"] = str(SPOOL)  # record as the local stage does: lines to a file

CREDENTIALS, VIEWS, DELIVERY = 500, 10_000, 1_000
SMALL, LARGE, DAYS, TEMPLATES = 1_000, 50_000, 90, 8
PERSON = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
CRAWLER = "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"
REFS = ["", "?ref=linkedin", "?ref=email", "?ref=embed", "?ref=whatsapp"]


def _one_snapshot_per_transaction() -> None:
    """moto's TransactWriteItems deep-copies the whole table once for EVERY item of the
    transaction (its rollback snapshot; moto/dynamodb/models/__init__.py, the loop over
    `transact_items`): a single-table design makes that 100 copies of everything per
    transaction, and this run was killed by the kernel at 22 GB before it finished.
    Here the copies of one transaction are one copy (the same snapshot: nothing changes
    between them). Only the emulator's speed changes: the aggregator's requests, its
    conditions and what moto stores and answers are the same."""
    import copy

    import moto.dynamodb.models as dynamodb_models

    real = dynamodb_models.DynamoDBBackend.transact_write_items

    class _Once:
        def __init__(self) -> None:
            self.copies: dict[int, object] = {}

        def deepcopy(self, obj: object, memo: dict | None = None) -> object:
            if id(obj) not in self.copies:
                self.copies[id(obj)] = copy.deepcopy(obj)
            return self.copies[id(obj)]

    def transact_write_items(self, transact_items):  # type: ignore[no-untyped-def]
        dynamodb_models.copy = _Once()  # type: ignore[assignment]
        try:
            return real(self, transact_items)
        finally:
            dynamodb_models.copy = copy

    dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items


def dashboard_reads(tenant_id: str, start: date, end: date) -> None:
    """What a member waits for, less the HTML: the console dashboard's service for the
    range (its counters, its tenant totals and the tenant's template list)."""
    from chalicelib.services import dashboard

    dashboard.tenant(tenant_id, start.isoformat(), end.isoformat())


def _accepted_credentials(client, n: int) -> tuple[str, list[str]]:
    import json

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from chalicelib.services import claims
    from tests.helpers import active_template, issue, new_issuer

    tenant_id, key = new_issuer("Benchmark Academy")
    template_id = active_template(client, key)
    ids = []
    for i in range(n):
        res = issue(client, key, template_id, email=f"earner{i}@example.com")
        assert res.status_code == 201, res.body
        ids.append(json.loads(res.body)["id"])
    tokens = {}
    for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages:
        found = re.search(r"/claim/([a-z0-9-]+)\?token=([a-z2-7]+)", m.body)
        if found:
            tokens[found.group(1)] = found.group(2)
    for cid in ids:
        claims.decide(cid, tokens[cid], "accept")
    return tenant_id, ids


def _synthetic_tenant(n: int, today: date) -> str:
    """A tenant whose counters hold n credentials' worth of events (see the docstring)."""
    from chalicelib.domain import engagement as domain
    from chalicelib.domain.ids import new_credential_id
    from chalicelib.store import engagement
    from tests.helpers import new_issuer

    tenant_id, _ = new_issuer(f"Tenant of {n}")
    rng = random.Random(n)
    sums: dict = {}
    for i in range(n):
        cid, tpl = new_credential_id(tenant_id), f"tpl{i % TEMPLATES}"
        day = (today - timedelta(days=rng.randrange(DAYS))).isoformat()
        common = {"tenant_id": tenant_id, "template_id": tpl, "credential_id": cid, "day": day}
        events = [domain.Event(id=f"{cid}-i", kind="issued", skills=("Data quality",), **common)]
        if rng.random() < 0.8:
            events.append(domain.Event(id=f"{cid}-a", kind="accepted", from_status="pending",
                                       latency_s=rng.randrange(60, 10 ** 6), **common))
            events += [domain.Event(id=f"{cid}-v{k}", kind="view", agent="person", network="linkedin", **common)
                       for k in range(2)]
        for e in events:
            for scope, counts in domain.contributions(e):
                if scope.level != "credential":
                    domain.merge(sums.setdefault(scope, {}), counts)
    # pseudo-events of up to 40 metrics of one counter item (each with its marker, as for any event)
    batch = []
    for k, (scope, counts) in enumerate(sums.items()):
        names = sorted(counts)
        batch += [(f"bench{n}-{k}-{p}", [(scope, {m: counts[m] for m in names[p:p + 40]})])
                  for p in range(0, len(names), 40)]
    engagement.apply(batch, 0)
    return tenant_id


def main() -> None:
    _one_snapshot_per_transaction()
    from chalice.test import Client
    from moto import mock_aws

    from tests.aws_calls import recording

    with mock_aws():
        reads = _dashboard_growth()
    with mock_aws():
        from app import app
        from chalicelib.adapters.event_log import awslogs_event
        from chalicelib.cli import init_resources
        from chalicelib.services import caches
        from chalicelib.store import engagement

        caches.clear()
        init_resources()
        with Client(app, project_dir=tempfile.mkdtemp()) as client:
            tenant_id, ids = _accepted_credentials(client, CREDENTIALS)
            SPOOL.unlink(missing_ok=True)  # the lifecycle lines of the set-up are not views
            rng = random.Random(15)
            for i in range(VIEWS):
                cid = ids[i % CREDENTIALS]
                ua = CRAWLER if i % 5 == 0 else PERSON
                res = client.http.get(f"/badges/{cid}{rng.choice(REFS)}", headers={"Accept": "text/html",
                                                                                    "User-Agent": ua})
                assert res.status_code == 200, res.body
                if (i + 1) % 2000 == 0:
                    print(f"views_sent {i + 1}", flush=True)
            lines = SPOOL.read_text().splitlines()
            SPOOL.unlink()
            handler = app.handler_map["EngagementAggregator"]
            for start in range(0, len(lines), DELIVERY):
                handler(awslogs_event(lines[start:start + DELIVERY]), None)
            totals = engagement.tenant_totals(tenant_id)
            print(f"view_lines {len(lines)}")
            print(f"views_person {totals.get('view.person', 0)} views_crawler {totals.get('view.crawler', 0)}")
            print(f"views_counted {totals.get('view.person', 0) + totals.get('view.crawler', 0)}")
            with recording() as calls:
                res = client.http.get(f"/badges/{ids[0]}?ref=linkedin", headers={"Accept": "text/html",
                                                                                  "User-Agent": PERSON})
            assert res.status_code == 200
            print(f"verify_aws_calls {len(calls)} {calls}")

    print(f"dashboard_read_growth {reads[LARGE] / reads[SMALL]:.2f}")


def _dashboard_growth() -> dict[int, int]:
    from chalicelib.cli import init_resources
    from chalicelib.services import caches, clock
    from tests.aws_calls import recording

    caches.clear()
    init_resources()
    today = clock.utcnow().date()
    reads = {}
    for n in (SMALL, LARGE):
        tenant = _synthetic_tenant(n, today)
        with recording() as calls:
            dashboard_reads(tenant, today - timedelta(days=DAYS - 1), today)
        reads[n] = len(calls)
        print(f"dashboard_read_calls_at_{n} {len(calls)} {calls}", flush=True)
    return reads


if __name__ == "__main__":
    main()
