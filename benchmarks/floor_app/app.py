"""The floor of `benchmarks/cold_start.py`: the least a verification page can cost.

One Chalice route doing one PynamoDB GetItem of the same credential item the real
page reads, returned as JSON. Packaged the same way as Laurel (same libraries, same
compiled bytecode), so the ratio measures only what Laurel adds.
"""

import json
import os

from chalice import Chalice, Response
from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.models import Model

app = Chalice(app_name="floor")


class CredentialItem(Model):
    class Meta:
        table_name = os.environ["LAUREL_TABLE"]
        region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    issued_at = UnicodeAttribute()
    expires_at = UnicodeAttribute(null=True)
    snapshot = JSONAttribute()
    evidence = JSONAttribute()


@app.route("/badges/{credential_id}")
def badge(credential_id):
    tenant, rand = credential_id.split("-", 1)
    item = CredentialItem.get(f"T#{tenant}#C#{rand}", "C")
    return Response(json.dumps(item.to_simple_dict()), headers={"Content-Type": "application/json"})
