"""``{% status_buttons referral %}``: a referral's status buttons (the two steps and the three
outcomes), as ``referrals/partials/status_buttons.html`` draws them."""

import functools

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from referrals.models import Referral

register = template.Library()


@register.simple_tag
def status_buttons(referral: Referral) -> SafeString:
    """The buttons follow from the referral's status alone (and the language of their
    labels), so each process draws each variant once: an inbox drawn afresh is ten cards,
    and their buttons were a third of each card."""
    return _drawn(referral.status, get_language())


@functools.lru_cache(maxsize=64)
def _drawn(status: str, language: str | None) -> SafeString:
    """``language`` is in the key for the labels, translated as they are drawn."""
    return render_to_string(
        "referrals/partials/status_buttons.html", {"referral": Referral(status=status)}
    )
