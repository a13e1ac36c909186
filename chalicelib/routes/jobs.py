"""Scheduled functions and queue consumers: what runs without a request.

Lambda function names stay as they were declared in app.py (infra/ and deployed
functions refer to them): UptimeProbe, ExpirySweep, WeeklyIssuance, MonthlySummary, BulkWorker,
DeliverWebhooks, MailEvents. `make run` runs the same handlers locally (scripts/run_local.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from ..adapters.queue import events_queue_name
from ..config import get_settings
from ..lazy import LazyModule

if TYPE_CHECKING:  # Powertools' batch utility loads only when a queue batch arrives
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

bp = Blueprint(__name__)

work = LazyModule("chalicelib.services.work")
engagement = LazyModule("chalicelib.services.engagement")
mail_feedback = LazyModule("chalicelib.services.mail_feedback")

QUEUE_HANDLER = "deliver_webhooks"  # Lambda function name of the events queue's consumer
MAIL_EVENTS = "MailEvents"  # Lambda function name of the SES bounce/complaint consumer (infra/mail.py)


def _batch(event: Any, handle: Callable[[dict], Any]) -> PartialItemFailureResponse:
    """Powertools batch processing: each record whose handling raises is reported as a
    batch item failure (the event source mapping has `ReportBatchItemFailures`), so only
    it comes back; the others are done."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    return process_partial_response(event=event.to_dict(),
                                    record_handler=lambda record: handle(json.loads(record.body)),
                                    processor=BatchProcessor(event_type=EventType.SQS), context=event.context)


@bp.schedule("rate(1 minute)")
def uptime_probe(event: Any) -> dict:
    return work.probe()


@bp.schedule("cron(15 0 * * ? *)")
def expiry_sweep(event: Any) -> dict:
    """Daily at 00:15 UTC: expired credentials and 30-day reminders."""
    return work.expiry_sweep()


@bp.schedule("cron(0 6 * * ? *)")
def weekly_issuance(event: Any) -> dict:
    """Daily at 06:00 UTC: issue the completions queued for today's weekday."""
    return work.weekly_issuance()


@bp.schedule("cron(0 7 1 * ? *)")
def monthly_summary(event: Any) -> dict:
    """The 1st of each month at 07:00 UTC: last month's summary to admins who opted in."""
    return work.monthly_summary()


@bp.on_sqs_message(queue=get_settings().bulk_queue, batch_size=5)
def bulk_worker(event: Any) -> PartialItemFailureResponse:
    """Chunks of bulk jobs, and tenant offboardings continued where the last run stopped."""
    return _batch(event, lambda message: work.bulk_message(message, event.context))


@bp.on_sqs_message(queue=events_queue_name(), batch_size=10, name=QUEUE_HANDLER)
def deliver_webhooks(event: Any) -> PartialItemFailureResponse:
    """One webhook delivery attempt per message (retries are new, delayed messages), and
    the expiry sweep's mails (one per message; a failed one comes back from SQS)."""
    return _batch(event, lambda message: work.webhook_message(message))


@bp.lambda_function(name="EngagementAggregator")
def engagement_aggregator(event: Any, context: Any) -> dict:
    """Engagement event lines from the CloudWatch Logs subscription filters of every
    emitting function (infra/stack.py), counted once each (services/engagement.py)."""
    return engagement.aggregate(event)


@bp.on_sns_message(topic=get_settings().mail_events_topic, name=MAIL_EVENTS)
def mail_events(event: Any) -> dict:
    """SES bounce and complaint events (its configuration set publishes them to the topic):
    the suppression list and the credential's mail state (services/mail_feedback.py).
    SNS invokes the function itself (the Lambda permission names the topic as its source):
    nothing reaches it over HTTP, so there is no SNS signature to check here; a message
    that is not an SES event is ignored."""
    return mail_feedback.handle(event.message)
