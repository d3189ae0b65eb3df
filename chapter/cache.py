"""Django's Redis cache, with one redis-py client per connection pool for the process's life.

Django builds a new ``redis.Redis`` for every cache call, and its constructor copies redis-py's
table of about 170 reply parsers: about 0.3 ms of Python, and a request makes one to three
calls (its session, a slip's one-off token, a kept page). redis-py's clients are thread-safe
and its pools reconnect after a fork, so one client per pool serves every thread.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients.setdefault(index, self._client(connection_pool=pool))
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
