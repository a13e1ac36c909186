"""Test set-up: moto in-process (never a server), the Chalice test client, a fresh
embedded AWS for every test.

Settings are read once, so the environment is fixed here before any Laurel import.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

for name in list(os.environ):
    if name.startswith("AWS_ENDPOINT_URL"):
        del os.environ[name]
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LAUREL_STAGE": "test",
        "LAUREL_TABLE": "laurel-test",
        "LAUREL_BUCKET": "laurel-test-assets",
        "LAUREL_MAIL_FROM": "badges@laurel.test",
        "LAUREL_PUBLIC_BASE_URL": "https://laurel.test",
        "LAUREL_ASSET_BASE_URL": "https://assets.laurel.test",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        # Lambda's own setting ("TZ: The environment's time zone (:UTC)", reserved variables):
        # the suite sees the clock as the functions do, whatever the machine's zone
        "TZ": "UTC",
    }
)
time.tzset()
ROOT = Path(__file__).resolve().parent.parent

# Property tests draw the same examples on every run: CI's verdict must not depend on the
# draw (a fuzz draw once failed a clean-clone run on a moto quirk). To explore with fresh
# random examples on your machine: HYPOTHESIS_PROFILE=explore make test.
from hypothesis import settings as _hypothesis  # noqa: E402

_hypothesis.register_profile("ci", derandomize=True)
_hypothesis.register_profile("explore", derandomize=False)
_hypothesis.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402

from tests.floors import (  # noqa: E402,F401 - the floor check's hooks (tests/floors.py)
    pytest_collection_modifyitems,
    pytest_sessionfinish,
    pytest_terminal_summary,
)



@pytest.fixture()
def aws_env():
    with mock_aws():
        from chalicelib.cli import init_resources
        from chalicelib.services import caches

        caches.clear()  # a fresh embedded AWS is a new deployment: no container remembers the last one
        init_resources()
        yield


@pytest.fixture()
def client(aws_env, tmp_path):
    from chalice.test import Client

    from app import app

    # project_dir without a .chalice/config.json: the test environment above stays in force
    with Client(app, project_dir=str(tmp_path)) as c:
        yield c


def sent_mail() -> list[dict]:
    """Mail the embedded SES accepted, oldest first. moto keeps the From line (`from`)
    and the HTML part (`body`); the Reply-To and the text part are only in the request
    (record it with tests/aws_calls.py `requests()`)."""
    from moto.ses.models import ses_backends

    return [
        {"to": m.destinations["ToAddresses"], "subject": m.subject, "body": m.body, "from": m.source}
        for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    ]


def scan_table() -> list[dict]:
    table = boto3.resource("dynamodb", region_name="us-east-1").Table("laurel-test")
    items, kwargs = [], {}
    while True:
        page = table.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda i: (i["pk"], i["sk"]))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def stored_text() -> str:
    """Every item in the table as lower-case text: to show a value is stored nowhere."""
    return json.dumps(scan_table(), default=str).lower()


def list_bucket() -> list[str]:
    s3 = boto3.client("s3", region_name="us-east-1")
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket="laurel-test-assets").get("Contents", []))


def body(response) -> dict:
    return json.loads(response.body)


@pytest.fixture(scope="session")
def _foreign_web_server():
    from tests.fixtures.foreign.server import ForeignWeb

    web = ForeignWeb()
    yield web
    web.close()


@pytest.fixture()
def foreign_web(_foreign_web_server, monkeypatch):
    """Other issuers' documents on a loopback HTTPS host (tests/fixtures/foreign/server.py);
    for this test only, the verifier may fetch from loopback and trusts its CA."""
    from chalicelib.adapters import fetch
    from chalicelib.services import badge_check

    _foreign_web_server.clear()
    monkeypatch.setattr(badge_check.fetching, "policy",
                        lambda: fetch.Policy(allow_private=True, cafile=str(_foreign_web_server.cafile)))
    yield _foreign_web_server
    _foreign_web_server.clear()
