from django.apps import AppConfig


class ChapterConfig(AppConfig):
    """The project package as an app, so its system checks (``checks.py``) are registered."""

    name = "chapter"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the checks)
