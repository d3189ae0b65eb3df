"""Guards for tests that need a real service: PostgreSQL, Redis, a Celery worker, Chromium.

Under ``CI=true`` a missing service is a failure with a message saying what is missing;
on a laptop the test skips and says why.
"""

import os
import shutil
import socket
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        unavailable("this test needs PostgreSQL: set DATABASE_URL=postgres://…")


def _port_open(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def require_redis() -> None:
    if not settings.REDIS_URL:
        unavailable("this test needs Redis: set REDIS_URL=redis://…")
    if not _port_open(settings.REDIS_URL, 6379):
        unavailable(f"Redis at {settings.REDIS_URL} does not answer")


def require_chromium() -> None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        unavailable(f"this test needs Chromium at {CHROMIUM} (apt-get install chromium)")
