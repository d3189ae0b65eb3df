"""``chapter.cache``: the shared cache works on Redis, and answers as a miss when Redis is away."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from chapter.cache import ResilientRedisCache
from tests.services import require_redis

OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def test_the_cache_works_on_redis_from_many_threads():
    require_redis()
    cache = ResilientRedisCache(
        settings.REDIS_URL, {"KEY_PREFIX": "test-chapter-cache", "OPTIONS": OPTIONS}
    )
    keys = [f"key-{i}" for i in range(40)]
    try:
        cache.set("value", {"answer": 42}, 30)
        assert cache.get("value") == {"answer": 42}
        assert cache.add("value", 1, 30) is False  # a lock taken with add holds
        assert cache.add("counter", 0, 30) is True
        assert cache.incr("counter") == 1
        with ThreadPoolExecutor(8) as pool:
            assert all(pool.map(lambda key: cache.add(key, key, 30), keys))
            assert list(pool.map(cache.get, keys)) == keys
        assert cache.available()
    finally:
        cache.delete_many(["value", "counter", *keys])


def test_with_redis_away_every_call_answers_as_a_miss_and_none_waits_for_long():
    """Nothing listens on port 1: each call gives what a miss gives; after the first failure
    the breaker is open and no call tries the socket at all."""
    cache = ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": OPTIONS})
    started = time.monotonic()
    assert cache.get("k", "default") == "default"
    assert not cache.available()
    cache.set("k", 1)
    assert cache.add("lock", 1) is True  # a lock taken with add does not spin
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    with pytest.raises(ValueError):
        cache.incr("counter")
    assert time.monotonic() - started < 1.5


def test_the_breaker_tries_redis_again_after_a_while(monkeypatch):
    require_redis()
    cache = ResilientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "test-breaker"})
    cache.down_until = time.monotonic() + 60
    assert cache.get("k", "miss") == "miss"  # not even tried while the breaker is open
    cache.down_until = time.monotonic() - 1
    cache.set("k", "back", 30)
    assert cache.get("k") == "back"
    cache.delete("k")
