"""Alarms that reach people (issue 17, item 1).

One SNS topic per stack (CloudWatch alarms only notify a topic in their own region, so a
`ProbeStack` in another region has its own), an e-mail subscription whose address is the
deploy parameter `AlarmEmail` (`cdk deploy --parameters AlarmEmail=ops@example.org`; AWS
mails a confirmation link first), and an aspect that makes that topic the alarm and OK
action of EVERY alarm in the stack, including alarms other modules add later.

The SLA alarm is a burn-rate alarm over two window pairs (see `burn_rate_alarms`).
"""

from __future__ import annotations

import jsii
from aws_cdk import (
    Aspects,
    CfnParameter,
    Duration,
    IAspect,
    Stack,
    aws_cloudwatch as cw,
    aws_cloudwatch_actions as cw_actions,
    aws_iam as iam,
    aws_kms as kms,
    aws_sns as sns,
)
from constructs import Construct, IConstruct

SLA = 0.999  # the availability the SLA promises (services/probes.py counts it per minute)
ERROR_BUDGET = round(1 - SLA, 6)  # 0.001
# Google SRE workbook, chapter 5 "Alerting on SLOs", section 6 "Multiwindow, Multi-Burn-Rate
# Alerts", table 5-8 (recommended parameters for a 99.9 % SLO): page at burn rate 14.4 over a 1 h
# long window with a 5 min short window (2 % of a 30-day budget spent), and at 6 over 6 h with
# 30 min (5 % spent). Both windows must burn: the long one proves it matters, the short one that
# it is still happening (the alarm resets minutes after recovery, not an hour later).
BURN_WINDOWS = (
    # (name, long window, short window, burn rate)
    ("Fast", Duration.hours(1), Duration.minutes(5), 14.4),
    ("Slow", Duration.hours(6), Duration.minutes(30), 6),
)
# The same chapter's "Low-Traffic Services" section: with few events one failure is a large share.
# A probe is one 0/1 sample a minute, so a single bad minute is already a 1.7 % error rate over an
# hour (burn 16.7): the fast pair also needs a second bad minute in its hour, so one lost probe
# minute does not page anyone (the slow pair needs 0.6 % of 6 h, i.e. 3 bad minutes, by itself).
MIN_BAD_MINUTES = 2


def alarm_topic(scope: Stack, stage: str) -> sns.Topic:
    """The topic, encrypted with a key CloudWatch may use (the AWS managed `aws/sns` key cannot
    be granted to CloudWatch, so alarms could not publish to a topic encrypted with it)."""
    email = CfnParameter(
        scope, "AlarmEmail", type="String",
        description="Where alarms are mailed (an SNS e-mail subscription; confirm the link AWS sends)",
        allowed_pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+",
        constraint_description="an e-mail address",
    )
    key = kms.Key(scope, "AlarmTopicKey", description=f"Laurel {stage}: encrypts the alarm topic",
                  enable_key_rotation=True)
    key.add_to_resource_policy(iam.PolicyStatement(
        sid="CloudWatchAlarmsPublish", principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions=["kms:Decrypt", "kms:GenerateDataKey*"], resources=["*"],
        conditions={"StringEquals": {"aws:SourceAccount": scope.account}}))
    topic = sns.Topic(scope, "Alarms", display_name=f"Laurel {stage} alarms", master_key=key, enforce_ssl=True)
    # the topic's own policy (enforce_ssl) replaces SNS's default one: CloudWatch must be allowed to publish,
    # or every alarm action fails ("no resource-based policy allows the SNS:Publish action")
    topic.add_to_resource_policy(iam.PolicyStatement(
        sid="CloudWatchAlarmsPublish", principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions=["sns:Publish"], resources=[topic.topic_arn],
        conditions={"StringEquals": {"aws:SourceAccount": scope.account}}))
    sns.Subscription(scope, "AlarmMail", topic=topic, protocol=sns.SubscriptionProtocol.EMAIL,
                     endpoint=email.value_as_string)
    Aspects.of(scope).add(_NotifyTopic(topic))
    return topic


@jsii.implements(IAspect)
class _NotifyTopic:
    """Every CloudWatch alarm of the stack notifies the topic when it fires and when it recovers."""

    def __init__(self, topic: sns.ITopic) -> None:
        self.topic = topic
        self.action = cw_actions.SnsAction(topic)

    def visit(self, node: IConstruct) -> None:
        if getattr(node, "_laurel_composite_member", False):
            return  # its composite notifies (see burn_rate_alarms)
        if isinstance(node, cw.AlarmBase) and not getattr(node, "_laurel_notifies", False):
            node.add_alarm_action(self.action)
            node.add_ok_action(self.action)
            node._laurel_notifies = True  # an aspect may visit a construct more than once


def alarm(scope: Construct, id: str, name: str, description: str, metric: cw.IMetric, threshold: float, *,
          comparison=cw.ComparisonOperator.GREATER_THAN_THRESHOLD, evaluation_periods: int = 1,
          missing=cw.TreatMissingData.NOT_BREACHING) -> cw.Alarm:
    return cw.Alarm(scope, id, alarm_name=name, alarm_description=description, metric=metric, threshold=threshold,
                    evaluation_periods=evaluation_periods, comparison_operator=comparison,
                    treat_missing_data=missing)


def burn_rate_alarms(scope: Construct, stage: str, availability: cw.Metric) -> list[cw.CompositeAlarm]:
    """One composite alarm per window pair: ALARM when both its windows burn the error budget
    at least `burn` times as fast as the SLA allows. `availability` is the probes' 0/1 minute
    metric (a sample per minute): its Average over a window is the availability, its
    SampleCount minus its Sum the bad minutes."""
    composites = []
    for label, long_window, short_window, burn in BURN_WINDOWS:
        members = []
        for window in (long_window, short_window):
            minutes = int(window.to_minutes())
            ok = availability.with_(statistic="Sum", period=window)
            count = availability.with_(statistic="SampleCount", period=window)
            burn_rate = f"(1 - ok / n) / {ERROR_BUDGET}"
            if label == "Fast" and window is long_window:
                expression = f"IF(n - ok >= {MIN_BAD_MINUTES}, {burn_rate}, 0)"
            else:
                expression = burn_rate
            member = cw.Alarm(
                scope, f"SlaBurn{label}{minutes}m",
                alarm_name=f"laurel-{stage}-sla-burn-{label.lower()}-{minutes}m",
                alarm_description=f"the 99.9 % SLA's error budget burns {burn}x over {minutes} minutes "
                                  "(part of a two-window burn-rate alarm)",
                metric=cw.MathExpression(expression=expression, using_metrics={"ok": ok, "n": count},
                                         period=window, label=f"burn rate over {minutes} min"),
                threshold=burn, evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                # a silent probe is the probe-silence alarm's concern, not a burn
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )
            # The issue: "the SLA alarm becomes burn-rate based (fast and slow windows) instead of
            # firing on one bad minute". A window on its own is not the alarm (the 5-minute one fires
            # on one bad minute): only the composite notifies, the members are its inputs.
            member._laurel_composite_member = True
            members.append(member)
        composites.append(cw.CompositeAlarm(
            scope, f"SlaBurn{label}",
            composite_alarm_name=f"laurel-{stage}-sla-burn-{label.lower()}",
            alarm_description=(f"availability is burning the 99.9 % SLA's error budget {burn}x too fast over "
                               f"{int(long_window.to_minutes())} min and still over the last "
                               f"{int(short_window.to_minutes())} min"),
            alarm_rule=cw.AlarmRule.all_of(*members),
        ))
    return composites
