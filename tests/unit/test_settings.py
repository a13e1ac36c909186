"""One settings object (issue 13, item 5): the events queue and its dead-letter queue
are named by `config.Settings`, read once from the environment like every setting."""

from __future__ import annotations

import pytest

from chalicelib import config
from chalicelib.adapters import queue


@pytest.fixture()
def fresh_settings(monkeypatch):
    """Settings as the environment gives them now, read past the process's cache (which
    this leaves alone: the rest of the suite keeps the settings it started with); the
    queue adapter reads them the same way for the test."""
    read = config.get_settings.__wrapped__
    monkeypatch.setenv("LAUREL_STAGE", "test")
    monkeypatch.setattr(queue, "get_settings", read)
    return read


def test_the_events_queues_default_to_the_stage(monkeypatch, fresh_settings):
    monkeypatch.delenv("LAUREL_EVENTS_QUEUE", raising=False)
    monkeypatch.delenv("LAUREL_EVENTS_DLQ", raising=False)
    settings = fresh_settings()
    assert (settings.events_queue, settings.events_dlq) == ("laurel-test-events", "laurel-test-events-dlq")
    assert (queue.events_queue_name(), queue.events_dlq_name()) == ("laurel-test-events", "laurel-test-events-dlq")


def test_the_events_queues_come_from_the_environment(monkeypatch, fresh_settings):
    """infra/stack.py sets both from the queues it creates."""
    monkeypatch.setenv("LAUREL_EVENTS_QUEUE", "laurel-prod-events-x1")
    monkeypatch.setenv("LAUREL_EVENTS_DLQ", "laurel-prod-events-dead")
    settings = fresh_settings()
    assert (settings.events_queue, settings.events_dlq) == ("laurel-prod-events-x1", "laurel-prod-events-dead")
    assert (queue.events_queue_name(), queue.events_dlq_name()) == ("laurel-prod-events-x1", "laurel-prod-events-dead")


def test_a_queue_named_without_a_dlq_gets_its_dlq_next_to_it(monkeypatch, fresh_settings):
    monkeypatch.setenv("LAUREL_EVENTS_QUEUE", "custom-events")
    monkeypatch.setenv("LAUREL_EVENTS_DLQ", "")  # empty counts as unset, as before
    assert fresh_settings().events_dlq == "custom-events-dlq"
