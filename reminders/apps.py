from django.apps import AppConfig


class RemindersConfig(AppConfig):
    """Emails Celery sends on a schedule, each at most once per event and recipient."""

    name = "reminders"
