"""A page's shell drawn once per process: everything around a body that is itself kept.

The dashboard, the inbox and the slip form draw their bodies from kept fragments
(``pages.kept``), and what is left to draw on each visit is the shell: the page's head, the
navigation, the outbox, the messages. Those pages' shells are alike for everyone signed in,
but for a few things of the person's or the request's own, so each process draws each shell
once, for anyone, with a slot for each of them: the person's navigation (kept per person by
``members.templatetags.navigation``), their id on the outbox, the CSP nonce, the CSRF token,
the messages and the body. A visit fills the slots.

Only a page whose template shows nothing but its body and the shell may be drawn this way:
its body comes in as HTML, drawn for this request.
"""

from dataclasses import dataclass

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.template.context_processors import csp
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from members.templatetags.navigation import NAV_SLOT, navigation
from pages.forms import csrf_value
from pages.kept import TOKEN_SLOT, Recent

# User text is escaped, so it can never spell one of these comments.
BODY_SLOT = mark_safe("<!--page-body-->")
NONCE_SLOT = mark_safe("<!--csp-nonce-->")
MESSAGES_SLOT = mark_safe("<!--messages-->")
OWNER_SLOT = mark_safe("<!--signed-in-->")


@dataclass(frozen=True)
class Anyone:
    """Whoever is signed in, as a shell drawn for anyone shows them: by a slot."""

    is_authenticated: bool = True
    pk: SafeString = OWNER_SLOT


#: A shell per page and language.
_KEPT = Recent(64)


def render_kept(request: HttpRequest, template_name: str, name: str, body: str) -> HttpResponse:
    """``template_name`` drawn with ``body`` (safe HTML of this request's) as ``name``, its
    shell drawn once per process (the module's docstring says which pages may)."""
    key = (template_name, name, get_language())
    if (shell := _KEPT.get(key)) is None:
        context = {
            name: BODY_SLOT,
            "kept_shell": True,
            "user": Anyone(),
            "csp_nonce": NONCE_SLOT,
            "messages": (),
            "messages_slot": MESSAGES_SLOT,
        }
        shell = render_to_string(template_name, context, request)
        _KEPT.put(key, shell)
    stored = get_messages(request)
    messages = render_to_string("base.html#messages", {"messages": stored}) if stored else ""
    nonce = csp(request)["csp_nonce"]
    html = (
        shell.replace(NAV_SLOT, navigation(request))
        .replace(OWNER_SLOT, str(request.user.pk))
        .replace(TOKEN_SLOT, csrf_value(request))
        .replace(NONCE_SLOT, str(nonce) if nonce is not None else "")
        .replace(MESSAGES_SLOT, messages)
    )
    # The body last: nothing in it is a slot of the shell's.
    return HttpResponse(html.replace(BODY_SLOT, body))


def forget() -> None:
    """Drop every shell drawn (tests that change what a shell shows within one process)."""
    _KEPT.clear()
