"""Thin Celery wrappers: the sweep (on the beat) and one send per ledger row."""

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(soft_time_limit=240, time_limit=300)
def sweep_reminders() -> int:
    """Cheap to run often and safe to run twice: it only records and enqueues."""
    return services.run_sweeps()


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError, OSError),
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def send_reminder(self, log_id: int) -> str:
    return services.deliver(log_id=log_id, task_id=self.request.id)
