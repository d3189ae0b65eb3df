from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """PALMS, traffic lights, the referral matrix and the chapter's health: read-only."""

    name = "reports"

    def ready(self) -> None:
        from members.importing import BULK_LOADS

        from .rollup import deferred

        if deferred not in BULK_LOADS:
            BULK_LOADS.append(deferred)
