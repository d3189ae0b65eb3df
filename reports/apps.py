from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """PALMS, traffic lights, the referral matrix and the chapter's health: read-only."""

    name = "reports"
