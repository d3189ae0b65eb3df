"""``{% link "referrals:detail" referral.pk %}``: ``{% url %}`` for list rows (see
``pages.links``), the same URL for a fraction of the cost."""

from django import template

from pages.links import url_for

register = template.Library()


@register.simple_tag
def link(name: str, *args) -> str:
    return url_for(name, *args)
