"""/healthz answers for load balancers and monitors: every part, and what they add up to.

The database answering is what decides 200 or 503; Redis away (the cache, the broker) is
``degraded``, still 200, because members keep working without it.
"""

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from chapter.celery import app as celery_app
from tests.trust.faults import free_port

pytestmark = pytest.mark.django_db


def test_healthy_when_database_cache_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "db": "ok", "cache": "ok", "broker": "ok"}


def test_degraded_but_200_when_the_broker_does_not_answer(client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", f"redis://127.0.0.1:{free_port()}/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded", "db": "ok", "cache": "ok", "broker": "unavailable"
    }  # fmt: skip


def test_degraded_but_200_when_the_cache_does_not_answer(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "chapter.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded", "db": "ok", "cache": "unavailable", "broker": "ok"
    }  # fmt: skip


def test_503_when_the_database_does_not_answer(client, monkeypatch):
    def refused(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refused)
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["db"] == "unavailable"


def test_healthz_is_never_cached(client):
    assert "no-cache" in client.get(reverse("healthz")).headers["Cache-Control"]
