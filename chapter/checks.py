"""Start-up checks on settings that only fail later, and far from their cause.

A missing ``SITE_URL`` does not break a page: it breaks every link in every email, days later,
in someone's inbox. So production refuses to start without it. The checks are Django system
checks: ``manage.py check``, ``migrate`` and ``runserver`` report them; gunicorn (``wsgi.py``)
and the Celery worker, which no management command starts, call ``refuse_to_start``.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register, run_checks
from django.core.exceptions import ImproperlyConfigured

#: The tag of the checks a process runs before it serves or sends anything.
START_UP = "slipstream_start_up"


@register(START_UP)
def check_site_url(app_configs=None, **kwargs) -> list:
    """``SITE_URL`` is where members open Slipstream: every link in an email starts with it."""
    site_url = settings.SITE_URL
    if not site_url:
        if settings.DEBUG:
            return []
        return [
            Error(
                "SITE_URL is not set: links in emails would lead nowhere.",
                hint="Set SITE_URL to the address members open Slipstream at, "
                "e.g. SITE_URL=https://slipstream.example.org",
                id="slipstream.E001",
            )
        ]
    parts = urlsplit(site_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query:
        return [
            Error(
                f"SITE_URL={site_url!r} is not an address like https://slipstream.example.org.",
                id="slipstream.E002",
            )
        ]
    if not settings.DEBUG and parts.scheme != "https":
        return [
            Warning(
                f"SITE_URL={site_url!r} is not https: links in emails would be sent in the clear.",
                id="slipstream.W001",
            )
        ]
    return []


def refuse_to_start() -> None:
    """Raise ``ImproperlyConfigured`` with every start-up error, for processes that no
    management command starts."""
    errors = [str(e) for e in run_checks(tags=[START_UP]) if e.is_serious()]
    if errors:
        raise ImproperlyConfigured("\n".join(errors))
