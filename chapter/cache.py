"""The shared cache (Redis in production), which degrades rather than fails when Redis is away.

Nothing kept in it is needed to answer a request: a kept fragment is drawn afresh, a session
is read from the database (``cached_db``), a member's rate limit counts nothing. So when Redis
does not answer, each call gives what a miss gives and a write is dropped, and for a few
seconds afterwards no call waits on the dead socket at all (a circuit breaker), so a burst of
requests does not queue behind timeouts. ``available()`` tells the one caller that must not
fail open (the public visitor form's limit) that the cache is away.

Only the cache's public methods are overridden; each still calls Django's own.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

#: After a failure, calls skip Redis for this long before trying it again.
BREAK_SECONDS = 5.0


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self.down_until = 0.0

    def available(self) -> bool:
        """Whether Redis answered lately (or has not been tried since it failed)."""
        return time.monotonic() >= self.down_until

    def _guarded(self, call, fallback):
        if not self.available():
            return fallback
        try:
            return call()
        except RedisError as exc:
            self.down_until = time.monotonic() + BREAK_SECONDS
            logger.warning("The cache is away (%s); serving without it", exc.__class__.__name__)
            return fallback

    def get(self, key, default=None, version=None):
        parent = super()
        return self._guarded(lambda: parent.get(key, default, version), default)

    def get_many(self, keys, version=None):
        parent = super()
        return self._guarded(lambda: parent.get_many(keys, version), {})

    def has_key(self, key, version=None):
        parent = super()
        return self._guarded(lambda: parent.has_key(key, version), False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        return self._guarded(lambda: parent.set(key, value, timeout, version), None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        return self._guarded(lambda: parent.set_many(data, timeout, version), [])

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """``True`` when away: callers that take a lock with ``add`` (allauth's rate limit
        does) go on rather than wait for a cache that will not answer."""
        parent = super()
        return self._guarded(lambda: parent.add(key, value, timeout, version), True)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        return self._guarded(lambda: parent.touch(key, timeout, version), False)

    def delete(self, key, version=None):
        parent = super()
        return self._guarded(lambda: parent.delete(key, version), False)

    def delete_many(self, keys, version=None):
        parent = super()
        return self._guarded(lambda: parent.delete_many(keys, version), None)

    def incr(self, key, delta=1, version=None):
        """A missing counter when away (``ValueError``, as for a key that expired)."""
        parent = super()
        missing = object()
        value = self._guarded(lambda: parent.incr(key, delta, version), missing)
        if value is missing:
            raise ValueError(f"Key '{key}' not found")
        return value

    def clear(self):
        parent = super()
        return self._guarded(parent.clear, None)
