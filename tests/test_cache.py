"""``chapter.cache``: Django's Redis cache keeping one redis-py client per connection pool."""

from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from chapter.cache import RedisCache
from tests.services import require_redis


def test_the_redis_cache_keeps_one_client_and_still_works_from_many_threads():
    require_redis()
    cache = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "test-chapter-cache"})
    keys = [f"key-{i}" for i in range(40)]
    try:
        cache.set("value", {"answer": 42}, 30)
        assert cache.get("value") == {"answer": 42}
        assert cache.add("value", 1, 30) is False  # a slip's one-off token relies on this

        with ThreadPoolExecutor(8) as pool:
            assert all(pool.map(lambda key: cache.add(key, key, 30), keys))
            assert list(pool.map(cache.get, keys)) == keys

        client = cache._cache.get_client()
        assert cache._cache.get_client(write=True) is client  # one server: one pool, one client
        assert cache._cache._clients == {0: client}
    finally:
        cache.delete_many(["value", *keys])
