"""AWS calls made by one public verification, under moto in-process.

Variants: the page (HTML), its JSON, the Open Badges 2.0 assertion and the Open
Badges 3.0 credential (JSON-LD and VC-JWT). Also counts the KMS Sign calls of one
issuance (target: at most one per proof; the Ed25519 proof signs locally).
Every botocore call is counted (tests/aws_calls.py wraps the one method all clients
use). Prints one line per variant and, last, `verify_aws_calls <max over variants>`.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _moto_env import setup  # noqa: E402

setup()


def main() -> None:
    from chalice.test import Client
    from moto import mock_aws

    from tests.aws_calls import recording

    with mock_aws():
        from app import app
        from chalicelib.cli import init_resources
        from chalicelib.demo import seed
        from chalicelib.services import claims
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        init_resources()
        demo = seed()
        cid = demo["credential_id"]
        # accept through the claim link of the mail the embedded SES accepted
        # (the demo also invites its console admin: the claim mail is the one naming the credential)
        mail = next(m.body for m in reversed(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)
                    if f"/claim/{cid}" in m.body)
        token = re.search(rf"/claim/{cid}\?token=([a-z2-7]+)", mail).group(1)
        claims.decide(cid, token, "accept")
        results = {}
        with Client(app, project_dir=tempfile.mkdtemp()) as client:
            variants = (("html", f"/badges/{cid}"), ("json", f"/badges/{cid}.json"),
                        ("ob2_assertion", f"/ob/v2/assertions/{cid}"), ("ob3_credential", f"/ob/v3/credentials/{cid}"),
                        ("ob3_jwt", f"/ob/v3/credentials/{cid}.jwt"))
            for label, path in variants:
                client.http.get(path)  # warm: imports, template compilation
                with recording() as calls:
                    res = client.http.get(path)
                assert res.status_code == 200, res.body
                results[label] = calls
                print(f"verify_{label}_calls {len(calls)} {calls}")
            from chalicelib import schemas
            from chalicelib.services import credentials

            with recording() as calls:
                credentials.issue(demo["tenant_id"], schemas.IssueIn(
                    template_id=demo["template_id"], email="bench@example.com", first_name="B", last_name="C"))
            print(f"issue_kms_sign_calls {calls.count('kms.Sign')} (proofs: 2, eddsa signs locally)")
        print(f"verify_aws_calls {max(len(c) for c in results.values())}")


if __name__ == "__main__":
    main()
