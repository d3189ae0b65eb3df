"""The Celery app, configured from Django settings (the ``CELERY_`` names)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapter.settings")

app = Celery("chapter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def refuse_bad_settings(**kwargs) -> None:
    """A worker sends the emails, so it checks what they need (SITE_URL) before taking any
    task. Celery logs and ignores a signal handler's exception; SystemExit stops it."""
    from django.core.exceptions import ImproperlyConfigured

    from chapter.checks import refuse_to_start

    try:
        refuse_to_start()
    except ImproperlyConfigured as exc:
        raise SystemExit(f"The Celery worker will not start: {exc}") from None
