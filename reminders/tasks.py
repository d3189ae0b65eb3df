"""Thin Celery wrappers: the sweep (on the beat) and one send per recipient, the digest."""

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(soft_time_limit=240, time_limit=300)
def sweep_reminders() -> int:
    """Cheap to run often and safe to run twice: it only records and enqueues. Returns how
    many reminders the broker took."""
    return services.run_sweeps().enqueued


SENDING = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (SMTPException, ConnectionError, TimeoutError, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 900,
    "retry_jitter": True,
    "max_retries": services.MAX_ATTEMPTS - 1,  # then the rows are failed, not retried
    "soft_time_limit": 60,
    "time_limit": 90,
}


@shared_task(**SENDING)
def send_digest(self, recipient_id: int) -> str:
    """One email with everything due to this person; a retry keeps the task id, so it takes
    back its own claim."""
    return services.deliver_digest(recipient_id=recipient_id, task_id=self.request.id)


@shared_task(**SENDING)
def send_reminder(self, log_id: int) -> str:
    """A message queued for one ledger row (before digests): sends its recipient's digest."""
    return services.deliver(log_id=log_id, task_id=self.request.id)
