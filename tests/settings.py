"""Test settings: the real settings, run as a developer's machine would (``DEBUG=1`` defaults).

Database, Redis and everything else still come from the environment, so ``.ci/run`` tests
against PostgreSQL and Redis with exactly the code that runs in production.
"""

import os

os.environ.setdefault("DEBUG", "1")

from chapter.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Rate limits are tested explicitly; a shared cache must not leak counts between tests.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
