"""The shared cache (Redis in production), which degrades rather than fails when Redis is away.

Nothing kept in it is needed to answer a request: a kept fragment is drawn afresh, a session
is read from the database (``cached_db``), a member's rate limit counts nothing. So when Redis
does not answer, each call gives what a miss gives and a write is dropped, and for a few
seconds afterwards no call waits on the dead socket at all (a circuit breaker), so a burst of
requests does not queue behind timeouts. ``available()`` tells the one caller that must not
fail open (the public visitor form's limit) that the cache is away.

A Redis that was only out of reach (a network cut, a pause) comes back with what it held, and
a key written or deleted in the meantime would then answer with its old value: a session
changed or ended while Redis was away would come back as it was. So the keys of every dropped
write and delete are remembered, and deleted as soon as Redis answers again, before this
process reads anything from it; the next read of each goes to its source (the database).

Only the cache's public methods are overridden; each still calls Django's own.
"""

import logging
import threading
import time
from collections.abc import Iterable

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

#: After a failure, calls skip Redis for this long before trying it again.
BREAK_SECONDS = 5.0
#: At most this many dropped keys are remembered; past it a warning says some may be stale.
MISSED_KEYS_KEPT = 100_000


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self.down_until = 0.0
        #: (key, version) of each write or delete dropped while Redis was away.
        self.missed: set[tuple[str, int | None]] = set()
        self.catching_up = threading.Lock()

    def available(self) -> bool:
        """Whether Redis answered lately (or has not been tried since it failed)."""
        return time.monotonic() >= self.down_until

    def _trip(self, exc: Exception) -> None:
        self.down_until = time.monotonic() + BREAK_SECONDS
        logger.warning("The cache is away (%s); serving without it", exc.__class__.__name__)

    def _remember(self, keys: Iterable[str], version: int | None) -> None:
        with self.catching_up:
            if len(self.missed) < MISSED_KEYS_KEPT:
                self.missed.update((key, version) for key in keys)
                if len(self.missed) >= MISSED_KEYS_KEPT:
                    logger.error(
                        "The cache missed writes to more than %d keys while away; later ones "
                        "may answer with old values until they expire",
                        MISSED_KEYS_KEPT,
                    )

    def _catch_up(self) -> bool:
        """Delete the keys whose writes were dropped; False if Redis failed again."""
        if not self.missed:
            return True
        with self.catching_up:  # other threads wait rather than read a key not yet deleted
            by_version: dict[int | None, list[str]] = {}
            for key, version in self.missed:
                by_version.setdefault(version, []).append(key)
            try:
                for version, keys in by_version.items():
                    RedisCache.delete_many(self, keys, version)
            except RedisError as exc:
                self._trip(exc)
                return False
            self.missed.clear()
        return True

    def _guarded(self, call, fallback, *, writes: Iterable[str] = (), version=None):
        if self.available() and self._catch_up():
            try:
                return call()
            except RedisError as exc:
                self._trip(exc)
        if writes:
            self._remember(writes, version)
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
        return self._guarded(
            lambda: parent.set(key, value, timeout, version), None, writes=[key], version=version
        )

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        return self._guarded(
            lambda: parent.set_many(data, timeout, version), [], writes=list(data), version=version
        )

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
        return self._guarded(
            lambda: parent.delete(key, version), False, writes=[key], version=version
        )

    def delete_many(self, keys, version=None):
        parent = super()
        keys = list(keys)
        return self._guarded(
            lambda: parent.delete_many(keys, version), None, writes=keys, version=version
        )

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
