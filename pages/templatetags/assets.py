"""``{% asset "css/slipstream.css" %}``: ``{% static %}`` looked up once per process.

Every page's head names five static files, and each ``{% static %}`` asks the storage anew
(the manifest, then a URL join). The manifest is read when the process starts and does not
change while it runs, so each file's URL is the same for the life of the process.
"""

from functools import cache

from django import template
from django.templatetags.static import static

register = template.Library()


@register.simple_tag
def asset(path: str) -> str:
    return _url(path)


@cache
def _url(path: str) -> str:
    return static(path)
