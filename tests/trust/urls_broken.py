"""The project's URLs plus two views that fail the way a broken deployment does."""

from django.db import OperationalError
from django.urls import path

from chapter.urls import handler500  # noqa: F401
from chapter.urls import urlpatterns as project_urlpatterns


def database_down(request):
    raise OperationalError("could not connect to server: Connection refused")


def bug(request):
    raise ZeroDivisionError("a bug with a secret in its message: sk_live_123")


urlpatterns = [
    path("broken/db/", database_down),
    path("broken/bug/", bug),
    *project_urlpatterns,
]
