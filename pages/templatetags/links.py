"""``{% link "referrals:detail" referral.pk %}``: ``{% url %}`` for list rows (see
``pages.links``), the same URL for a fraction of the cost."""

from django import template

from pages.forms import csrf_value as request_csrf_value
from pages.kept import TOKEN_SLOT
from pages.links import url_for

register = template.Library()


@register.simple_tag
def link(name: str, *args) -> str:
    return url_for(name, *args)


@register.simple_tag(takes_context=True)
def csrf_value(context) -> str:
    """``{{ csrf_token }}``, the same masked token as every form of the page
    (``pages.forms.csrf_value``); nothing on a page drawn without its request."""
    if context.get("kept_shell"):
        return TOKEN_SLOT  # filled per request (members.shell)
    request = context.get("request")
    return request_csrf_value(request) if request is not None else ""
