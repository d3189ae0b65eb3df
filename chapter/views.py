"""Project-level pages: the home page, the health check and the server-error page."""

import logging
import sys

from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from members.access import viewer_for
from referrals.views import dashboard
from reports.lights import member_standing

from .celery import app as celery_app

logger = logging.getLogger(__name__)


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("healthz: database check failed")
        return False


def _broker_answers() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            conn.default_channel  # noqa: B018 - opening a channel is what talks to the broker
        return True
    except Exception:
        logger.exception("healthz: broker check failed")
        return False


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: 200 when the database and the broker answer, else 503."""
    report = {
        "db": "ok" if _database_answers() else "unavailable",
        "broker": "ok" if _broker_answers() else "unavailable",
    }
    healthy = all(value == "ok" for value in report.values())
    return JsonResponse(report, status=200 if healthy else 503)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A seated member's home is their dashboard; visitors and staff get the welcome page."""
    viewer = viewer_for(request)
    if viewer.is_member:
        return dashboard(request, standing=lambda: member_standing(viewer.member))
    return render(request, "home.html")


@require_GET
@login_required
def floor(request: HttpRequest) -> HttpResponse:
    """The least a logged-in page can cost: session, user, one line. ``make bench``'s yardstick."""
    return HttpResponse(f"ok {request.user.pk}\n", content_type="text/plain")


#: Seconds a client is asked to wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database that is down or restarting answers 503 with ``Retry-After``.

    Django calls this inside its ``except`` block, so ``sys.exc_info()`` is the error. Both
    pages render without the request (no context processors, no user, no database).
    """
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
