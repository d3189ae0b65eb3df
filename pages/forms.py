"""How forms are drawn. The site's form renderer uses Django's own form and widget templates, found
by the project's template engine (``settings.TEMPLATES``, whose cached loader parses each
template once per process), and one field template for every form of the site.

``{{ field.as_field_group }}`` draws a field with ``templates/partials/field.html``: its label,
the input, the help and the errors with the ids the input's ``aria-describedby`` names, and a
choice of radio buttons or checkboxes as a fieldset with its legend. A page lays out its form;
it never draws a field's label and help itself.
"""

from django import forms
from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.html import format_html


class FormRenderer(TemplatesSetting):
    field_template_name = "partials/field.html"


class PhoneInput(forms.TextInput):
    """A phone number: ``type="tel"`` opens a phone's dial pad. A form asking for the person's
    own number adds ``autocomplete="tel"``; one asking for someone else's says ``off``."""

    input_type = "tel"


def csrf_input(request: HttpRequest) -> str:
    """What ``{% csrf_token %}`` writes, for a kept fragment's forms (``pages.kept``).

    One per request, whichever parts of the page ask (the fragment, the navigation's log-out
    form): each ``get_token`` masks the secret afresh with 32 random characters, and the forms
    of one page may as well share one, as ``{% csrf_token %}`` does within one template."""
    html = getattr(request, "csrf_input_html", None)
    if html is None:
        html = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_value(request)
        )
        request.csrf_input_html = html
    return html


def csrf_value(request: HttpRequest) -> str:
    """The request's one masked CSRF token: the forms' inputs (``csrf_input``) and the header
    htmx sends (``{% csrf_value %}`` in the page's body) carry the same."""
    token = getattr(request, "csrf_token_value", None)
    if token is None:
        token = request.csrf_token_value = get_token(request)
    return token
