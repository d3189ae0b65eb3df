"""What every response says about being kept by a browser or a proxy."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

#: URL names whose page is never kept, whoever asks: the home page is a member's dashboard.
NO_STORE_PAGES = frozenset({"home"})


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in user, and on the home page
    whoever asks: what a signed-in page shows is a member's own or the chapter's confidential
    data (a TYFCB, PALMS and its CSV, the dashboard), which must not stay in a shared
    computer's browser cache, nor in a proxy's, after they sign out.

    Static files never reach it: WhiteNoise, earlier in ``MIDDLEWARE``, answers them with its
    own long-lived headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        page = match.view_name if match is not None else None
        if page in NO_STORE_PAGES or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response
