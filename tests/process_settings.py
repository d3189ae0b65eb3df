"""Settings for the web servers, Celery workers and beats that tests start as processes.

Production's settings (``chapter.settings``: the Redis cache, the connection pool, the rate
limits, whatever the environment the test gives says), with what a test needs besides:
"""

from chapter.env import env_int
from chapter.settings import *  # noqa: F403

# The personas' passwords are hashed as the suite hashes them (tests.settings).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Production requires SITE_URL (chapter/checks.py); these processes' emails link nowhere real.
SITE_URL = SITE_URL or "https://slipstream.test"  # noqa: F405
# Pages name their static files without a collectstatic manifest.
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# A beat that sweeps for reminders every few seconds, so beats fire within a test's time.
if _sweep := env_int("TEST_SWEEP_SECONDS", 0):
    CELERY_BEAT_SCHEDULE = {
        "sweep-reminders": {"task": "reminders.tasks.sweep_reminders", "schedule": float(_sweep)}
    }
