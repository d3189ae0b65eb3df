"""``{% outbox_words %}``: what static/js/offline.js says on the page, in the page's language.

Every signed-in page carries these words (the outbox may speak on any page), so they are put
into JSON once per language and process rather than translated anew on every page.
"""

import functools

from django import template
from django.utils.html import json_script
from django.utils.translation import get_language, gettext

register = template.Library()


def _words() -> dict[str, str]:
    return {
        "waiting": gettext("Waiting to send (%(count)s)"),
        "waiting_mark": gettext("waiting %(mark)s"),
        "kept": gettext(
            "No signal: “%(item)s” waits on this phone and is sent when the signal returns."
        ),
        "kept_weak": gettext(
            "The signal was too weak to send your slip: it waits on this phone and is sent "
            "when the signal returns."
        ),
        "not_kept": gettext(
            "No signal, and this phone could not keep it: try again when you are online."
        ),
        "needs_signal": gettext("This needs a signal: try again when you are online."),
        "sent": gettext("Sent “%(item)s”:"),
        "refused": gettext("Not saved “%(item)s”:"),
        "saved": gettext("saved."),
        "sign_in": gettext("Log in again to send what is waiting."),
        "open_again": gettext("open Log a slip to finish it."),
        "slip": gettext("a slip"),
    }


@functools.cache
def _script(language: str | None) -> str:
    return json_script(_words(), "outbox-text")


@register.simple_tag
def outbox_words() -> str:
    """A ``<script type="application/json" id="outbox-text">`` the page's script reads."""
    return _script(get_language())
