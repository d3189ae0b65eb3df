from django.apps import AppConfig


class MembersConfig(AppConfig):
    """People, trades, roles and chapters: everything else depends on this app."""

    name = "members"

    def ready(self) -> None:
        from . import audit

        audit.connect_signals()
