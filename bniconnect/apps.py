from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BniConnectConfig(AppConfig):
    """Moving in from BNI Connect: its exports read (``reader``), matched to the chapter's
    members and stored all or nothing (``services``). It sits on top of every other app."""

    name = "bniconnect"
    verbose_name = _("BNI Connect import")
