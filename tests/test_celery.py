"""Celery is wired for real: a worker process runs tasks from Redis against the database."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from chapter import tasks
from chapter.celery import app as celery_app
from tests.workers import wait_for


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_a_task_and_its_effect_is_in_the_database(celery_worker):
    expired = SessionStore()
    expired.create()
    Session.objects.filter(pk=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    alive = SessionStore()
    alive.create()

    tasks.clear_expired_sessions.delay()

    wait_for(
        lambda: not Session.objects.filter(pk=expired.session_key).exists(),
        message=f"the worker did not clear the expired session:\n{celery_worker.log()}",
    )
    assert Session.objects.filter(pk=alive.session_key).exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_ping_round_trips_through_redis(celery_worker):
    assert tasks.ping.apply_async(ignore_result=False).get(timeout=20) == "pong"


def test_celery_is_configured_for_safe_delivery():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert "clear-expired-sessions" in conf.beat_schedule
