from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .access import viewer_for


def viewer(request: HttpRequest) -> dict:
    """``viewer`` in every template (the nav shows what this person may do); computed once per
    request, only if a template asks, and shared with the views through ``viewer_for``."""
    return {"viewer": SimpleLazyObject(lambda: viewer_for(request))}
