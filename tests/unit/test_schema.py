from chalicelib.store.models import CredentialItem
from chalicelib.store.schema import table_definition


def test_table_definition_is_derived_from_the_models():
    definition = table_definition()
    assert definition["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    names = {i["IndexName"] for i in definition["GlobalSecondaryIndexes"]}
    assert names == set(CredentialItem._indexes) == {"by_tenant", "by_email", "by_expiry"}
    attrs = {a["AttributeName"] for a in definition["AttributeDefinitions"]}
    assert attrs == {"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk"}
    assert definition["BillingMode"] == "PAY_PER_REQUEST"
