from django.apps import AppConfig


class MembersConfig(AppConfig):
    """People, trades, roles and chapters: everything else depends on this app."""

    name = "members"
