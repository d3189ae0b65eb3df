from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """The weekly meeting: meetings, attendance, visitors and the attendance policy."""

    name = "meetings"
