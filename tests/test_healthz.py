"""/healthz answers for load balancers: both parts ok → 200, otherwise 503 naming the part."""

import pytest
from django.urls import reverse

from chapter.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthy_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"db": "ok", "broker": "ok"}


def test_503_when_the_broker_does_not_answer(client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"db": "ok", "broker": "unavailable"}


def test_healthz_is_never_cached(client):
    assert "no-cache" in client.get(reverse("healthz")).headers["Cache-Control"]
