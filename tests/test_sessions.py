"""Sessions never need Redis to be read: they live in the database and are only read through
the cache (``cached_db`` on ``chapter.cache``). A session written while Redis is out of reach
reads as written once it is back, and one written before reads the same while it is away.

Redis here is a server of the test's own behind a proxy the test cuts and mends: a Redis that
was only out of reach comes back with what it held, the case in which a dropped write would
otherwise leave an old value behind.
"""

import time

import pytest
from django.contrib.sessions.backends.cached_db import KEY_PREFIX, SessionStore
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

import chapter.cache
from tests.trust.faults import CuttableProxy, RedisServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_link():
    with RedisServer() as redis:
        link = CuttableProxy(("127.0.0.1", redis.port))
        link.mend()
        yield link
        link.cut()


@pytest.fixture
def shared_cache(redis_link, settings, monkeypatch):
    monkeypatch.setattr(chapter.cache, "BREAK_SECONDS", 0.2)
    settings.CACHES = {
        "default": {
            "BACKEND": "chapter.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis_link.port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    return caches["default"]


def back(cache) -> None:
    """Wait out the breaker, then let one call find Redis again."""
    time.sleep(chapter.cache.BREAK_SECONDS + 0.05)
    cache.get("anything")
    assert cache.available()


def saved(**data) -> str:
    session = SessionStore()
    session.update(data)
    session.save()
    return session.session_key


def test_a_session_written_before_redis_went_away_reads_the_same_while_it_is_away(
    shared_cache, redis_link
):
    key = saved(step="before")
    assert shared_cache.get(KEY_PREFIX + key) == {"step": "before"}  # kept in Redis
    redis_link.cut()
    assert SessionStore(key).load() == {"step": "before"}  # read from the database
    assert not shared_cache.available()


def test_sessions_written_while_redis_was_away_read_as_written_once_it_is_back(
    shared_cache, redis_link
):
    changed, ended = saved(step="before"), saved(step="signed in")
    redis_link.cut()
    session = SessionStore(changed)
    session["step"] = "during"
    session.save()  # the database has it; the cache's copy could not be replaced
    SessionStore(ended).flush()  # signing out: gone from the database, not from Redis
    created = saved(step="new")
    redis_link.mend()
    back(shared_cache)
    assert SessionStore(changed).load() == {"step": "during"}
    assert SessionStore(ended).load() == {}
    assert SessionStore(created).load() == {"step": "new"}
    assert shared_cache.get(KEY_PREFIX + changed) == {"step": "during"}  # kept anew


def test_signing_out_while_redis_is_away_is_not_undone_when_it_returns(
    shared_cache, redis_link, member
):
    """The browser's old cookie, replayed after Redis is back, is a stranger's."""
    client = Client()
    client.force_login(member.user)
    assert client.get(reverse("floor")).status_code == 200
    old_cookie = client.cookies["sessionid"].value
    redis_link.cut()
    client.post(reverse("account_logout"))
    redis_link.mend()
    back(shared_cache)
    replayed = Client()
    replayed.cookies["sessionid"] = old_cookie
    assert replayed.get(reverse("floor")).status_code == 302  # to the sign-in page
