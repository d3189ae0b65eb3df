"""Project-level pages: the home page, the health check and the server-error page."""

import logging
import secrets
import sys

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from members.access import viewer_for
from members.text import UnreadableInput
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


def _cache_answers() -> bool:
    """A value written to the shared cache reads back. With Redis away the cache
    (``chapter.cache``) does not fail: it drops the write and answers the read as a miss."""
    probe = f"healthz:{secrets.token_hex(8)}"
    try:
        cache.set(probe, 1, timeout=10)
        answered = cache.get(probe) == 1
        cache.delete(probe)
    except Exception:
        logger.exception("healthz: cache check failed")
        return False
    return answered


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: each part, and in ``status`` what they add up to.

    ``ok`` (200) when every part answers. ``degraded`` (still 200) when the database answers
    but Redis does not (the cache, the broker): members keep working, pages are drawn afresh
    and reminders wait, so a load balancer should keep sending requests while a monitor warns.
    ``unavailable`` (503) when the database does not answer: no page can be served.
    """
    report = {
        "db": "ok" if _database_answers() else "unavailable",
        "cache": "ok" if _cache_answers() else "unavailable",
        "broker": "ok" if _broker_answers() else "unavailable",
    }
    if report["db"] != "ok":
        return JsonResponse({"status": "unavailable", **report}, status=503)
    status = "ok" if all(value == "ok" for value in report.values()) else "degraded"
    return JsonResponse({"status": status, **report})


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


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: Django's page, saying what was wrong when the refusal is ours
    (``members.text.UnreadableInput``, whose message names only the parameter). Other
    refusals (a suspicious operation, a request too large) keep their message to the log."""
    message = str(exception) if isinstance(exception, UnreadableInput) else ""
    return HttpResponseBadRequest(loader.get_template("400.html").render({"message": message}))


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
