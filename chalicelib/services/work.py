"""What the scheduled functions and queue consumers do, one function each
(routes/jobs.py is their Lambda entry point; scripts/run_local.py runs them locally)."""

from __future__ import annotations

from typing import Any


def probe(location: str | None = None) -> dict:
    """Probe (from `location`, default this region's), then publish the status page's
    snapshot (a failed publish is logged; the probe's result stands and the next minute
    publishes again)."""
    from ..config import get_settings
    from . import probes, status

    result = probes.run(location=location)
    if not get_settings().status_publisher:  # a prober in another region only probes
        return {**result, "status_published": False}
    return {**result, "status_published": status.publish_quietly("probe")}


def expiry_sweep() -> dict:
    from . import expiry

    return expiry.sweep()


def weekly_issuance() -> dict:
    """Issue the completions queued for today's weekday (UTC)."""
    from . import bulk, clock

    weekday = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")[clock.utcnow().weekday()]
    return {"weekday": weekday, "jobs": bulk.issue_scheduled(weekday)}


def monthly_summary() -> dict:
    """Last month's summary mails to the admins who opted in (on the 1st)."""
    from . import summary

    return summary.send_monthly()


def bulk_message(message: dict, lambda_context: Any = None) -> Any:
    """A message of the bulk queue: a tenant's offboarding to continue, a step of an
    export job, or a bulk job's chunk."""
    if "export" in message:
        from . import exports

        return exports.process_step(message["export"])
    if "offboarding" in message:
        from . import offboarding

        return offboarding.continue_from_queue(message["offboarding"], lambda_context)
    from . import bulk

    return bulk.process_chunk(message)


def webhook_message(message: dict) -> None:
    """A message of the events queue: an expiry mail the sweep queued (`{"mail": ...}`),
    a CDN invalidation (`{"invalidate": ...}`, services/cdn.py), or a webhook delivery attempt."""
    if "mail" in message:
        from . import expiry

        expiry.deliver_mail(message["mail"])
        return
    if "invalidate" in message:
        from . import cdn

        cdn.invalidate(message)
        return
    from . import events

    events.deliver(message)
