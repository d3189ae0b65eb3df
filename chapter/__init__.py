"""The Slipstream project package: settings, URLs, the Celery app and WSGI. No models."""

from .celery import app as celery_app

__all__ = ["celery_app"]
