"""The two answers the offline pages need from the server: the service worker, and a logout
that clears what the phone kept."""

import functools
import hashlib
from pathlib import Path

from allauth.account.views import logout as allauth_logout
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import condition, require_GET

#: What the browser deletes for this site when a member logs out: its HTTP cache, and its
#: storage (the service worker, its caches and the outbox of slips waiting to be sent).
CLEAR_SITE_DATA = '"cache", "storage"'


@functools.cache
def _script(path: Path, modified: float) -> tuple[bytes, str]:
    script = path.read_bytes()
    return script, hashlib.sha256(script).hexdigest()[:20]


def _service_worker_script() -> tuple[bytes, str]:
    path = Path(finders.find("sw.js"))
    return _script(path, path.stat().st_mtime)


@require_GET
@condition(etag_func=lambda request: _service_worker_script()[1])
def service_worker(request: HttpRequest) -> HttpResponse:
    """static/sw.js, served from the site's root: a service worker controls only the pages
    under the path it is served from, and it must control every page. Not fingerprinted like
    the other static files: the browser asks for it again to learn of a new version, and a
    304 answers while it has not changed."""
    response = HttpResponse(_service_worker_script()[0], content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


def logout(request: HttpRequest) -> HttpResponse:
    """allauth's logout; once it has logged out, the answer tells the browser to clear what it
    kept for this site, so nothing of this member stays on a shared phone."""
    response = allauth_logout(request)
    if request.method == "POST":
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response
