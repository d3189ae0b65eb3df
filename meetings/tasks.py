"""Celery tasks of the meetings app: thin wrappers around ``services``."""

from celery import shared_task

from members.models import Chapter

from . import services


@shared_task(autoretry_for=(Exception,), max_retries=3, retry_backoff=True)
def ensure_upcoming_meetings(weeks: int = 8) -> int:
    """Keep every chapter's next ``weeks`` meetings present; idempotent, so retries are safe."""
    created = 0
    for chapter in Chapter.objects.order_by("pk").iterator():
        created += services.ensure_upcoming_meetings(chapter=chapter, weeks=weeks)
    return created
