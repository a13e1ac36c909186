"""Mail that stays deliverable (issue 17, item 6) on the synthesized template: the SES
configuration set's Bounce and Complaint events go to an encrypted SNS topic that SES
may use, and that topic invokes the MailEvents function, whose role may write the table
and nothing else of note."""

from __future__ import annotations

from tests.infra.conftest import resources


def _topic(template: dict) -> tuple[str, dict]:
    """The mail events' topic (the stack has an alarm topic too: infra/monitoring.py)."""
    (found,) = [(k, v) for k, v in resources(template, "AWS::SNS::Topic").items()
                if v["Properties"].get("TopicName") == "laurel-prod-mail-events"]
    return found


def _one(template: dict, kind: str) -> tuple[str, dict]:
    found = resources(template, kind)
    assert len(found) == 1, (kind, list(found))
    return next(iter(found.items()))


def test_bounces_and_complaints_go_to_an_encrypted_topic(synth):
    _, template, _ = synth
    topic_id, topic = _topic(template)
    assert topic["Properties"]["TopicName"] == "laurel-prod-mail-events"  # chalicelib/config.py mail_events_topic
    key_ref = topic["Properties"]["KmsMasterKeyId"]
    key_id = key_ref["Fn::GetAtt"][0] if "Fn::GetAtt" in key_ref else key_ref["Ref"]
    key = template["Resources"][key_id]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    ses_may = [s for s in key["Properties"]["KeyPolicy"]["Statement"]
               if s.get("Principal", {}).get("Service") == "ses.amazonaws.com"]
    assert len(ses_may) == 1 and set(ses_may[0]["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}

    _, destination = _one(template, "AWS::SES::ConfigurationSetEventDestination")
    props = destination["Properties"]
    config_sets = resources(template, "AWS::SES::ConfigurationSet")
    assert props["ConfigurationSetName"] == {"Ref": next(iter(config_sets))}
    spec = props["EventDestination"]
    assert spec["Enabled"] is True
    assert sorted(spec["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert spec["SnsDestination"]["TopicARN"] == {"Ref": topic_id}


def test_the_topic_invokes_the_mail_events_function(synth):
    _, template, _ = synth
    topic_id, _ = _topic(template)
    function = template["Resources"]["MailEvents"]
    assert function["Properties"]["Handler"] == "chalicelib.routes.jobs.mail_events"
    events = function["Properties"]["Events"]
    assert events == {"MailEventsSnsSubscription": {"Type": "SNS", "Properties": {"Topic": {"Ref": topic_id}}}}
    # its own role, and the app's settings like every function
    role = function["Properties"]["Role"]
    assert role["Fn::GetAtt"][0].startswith("MailEventsRole") and role["Fn::GetAtt"][1] == "Arn", role
    assert "LAUREL_TABLE" in function["Properties"]["Environment"]["Variables"]


def test_the_mail_events_role_writes_only_what_its_code_writes(synth):
    _, template, _ = synth
    policies = [p for p in resources(template, "AWS::IAM::Policy").values()
                if any(r.get("Ref", "").startswith("MailEventsRole") for r in p["Properties"]["Roles"])]
    assert policies
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    writes = [s for s in statements if s.get("Sid") == "TableWrite"]
    assert len(writes) == 1 and sorted(writes[0]["Action"]) == ["dynamodb:PutItem", "dynamodb:UpdateItem"]
    # only the suppression list and credentials (infra/access.py table_uses)
    assert writes[0]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["SUPPRESS#*", "T#*#C#*"]
    actions = {a for s in statements if s.get("Effect") == "Allow"
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    # (a failed asynchronous invocation goes to the schedules' dead-letter queue: sqs:SendMessage only)
    assert not any(a.startswith(("ses:", "s3:", "kms:", "secretsmanager:", "dynamodb:Get", "dynamodb:Query"))
                   for a in actions), actions
    assert {a for a in actions if a.startswith("sqs:")} == {"sqs:SendMessage"}
