"""Mail that stays deliverable (issue 17, item 6): SES's bounce and complaint events reach
the MailEvents function.

- An SNS topic, encrypted with its own customer-managed KMS key: SES publishes to an
  encrypted topic only if the key policy lets `ses.amazonaws.com` use the key ("Amazon SES
  ... the KMS key policy must allow SES to use it"; the AWS-managed `alias/aws/sns` key
  cannot be shared that way).
- The configuration set's event destination (`AWS::SES::ConfigurationSetEventDestination`):
  Bounce and Complaint events, nothing else (deliveries, opens and clicks are not wanted:
  they would cost an invocation each and tell Laurel nothing it acts on).
- The function's subscription: chalice declares the SNS event source of MailEvents
  (routes/jobs.py `on_sns_message`); SAM turns it into the `AWS::SNS::Subscription` and
  the `AWS::Lambda::Permission` whose source is this topic. Here its topic is set to this
  stack's topic by reference (as the workers' queues are), so the subscription follows
  the topic and CloudFormation creates the topic first.

SNS invokes Lambda itself (an asynchronous invocation authorized by that permission):
the function has no HTTP endpoint, so there is no SNS message signature to check.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns

MAIL_EVENTS = "MailEvents"  # chalicelib/routes/jobs.py MAIL_EVENTS: the function's name


def topic_name(stage: str) -> str:
    """The name chalicelib/config.py gives `mail_events_topic` (the function's event source)."""
    return f"laurel-{stage}-mail-events"


def mail_events(stack: cdk.Stack, stage: str, config_set: ses.ConfigurationSet, app) -> sns.Topic:
    """The topic, the event destination, and the MailEvents function subscribed to it."""
    key = kms.Key(stack, "MailEventsKey", enable_key_rotation=True, removal_policy=cdk.RemovalPolicy.RETAIN,
                  description=f"Laurel {stage}: encrypts SES bounce and complaint events on their SNS topic")
    key.add_to_resource_policy(iam.PolicyStatement(
        sid="SesPublishesEvents",
        principals=[iam.ServicePrincipal("ses.amazonaws.com")],
        actions=["kms:GenerateDataKey*", "kms:Decrypt"],
        resources=["*"],  # in a key policy, "*" is this key
        conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
    ))
    topic = sns.Topic(stack, "MailEventsTopic", topic_name=topic_name(stage), master_key=key, enforce_ssl=True,
                      display_name=f"Laurel {stage} SES bounces and complaints")
    ses.ConfigurationSetEventDestination(
        stack, "MailFeedback", configuration_set=config_set,
        configuration_set_event_destination_name="bounces-and-complaints",
        destination=ses.EventDestination.sns_topic(topic),
        events=[ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    )
    function = app.get_resource(MAIL_EVENTS)
    function.add_property_override(f"Events.{MAIL_EVENTS}SnsSubscription.Properties.Topic", topic.topic_arn)
    return topic
