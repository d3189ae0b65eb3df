"""Project-wide housekeeping tasks; each app keeps its own in its ``tasks.py``."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone


@shared_task
def ping() -> str:
    """Prove a worker is alive and reaches the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "pong"


@shared_task(autoretry_for=(Exception,), max_retries=3, retry_backoff=True)
def clear_expired_sessions() -> int:
    """Expired sessions are dead weight in the table every request reads; drop them nightly."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
