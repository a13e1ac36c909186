"""Regression: a query through the key-only base model must not leave other models
with an index-less table description (it broke the wallet and the support listing
whenever an erasure or offboarding had run first in the same container)."""

from chalicelib.store import keys
from chalicelib.store.models import ImportItem, Item, SupportItem


def test_base_model_queries_do_not_hide_indexes_from_other_models(aws_env):
    for model in (ImportItem, SupportItem):
        model.__dict__.get("_connection") and setattr(model, "_connection", None)
    Item._connection = None
    list(Item.query("T#0123456789abcdef"))
    assert list(ImportItem.by_email.query(keys.email_pk("0" * 64))) == []
    assert list(SupportItem.by_tenant.query("SUPPORT")) == []
