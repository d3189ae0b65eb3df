"""Django's standard form widgets and error lists drawn in Python, as their templates draw them.

Every form field renders through the form renderer, and Django's widget templates nest: an
``<input>`` is two template includes, one radio choice four. A slip form's dozen fields cost
the log-a-slip page, the one members open most, more than all its other work. ``FormRenderer``
draws Django's own widget and error-list templates in Python, escaping each value where and as
those templates do, and hands every other template (the admin's widgets, a form's own layout)
to Django's template engine unchanged. The tests render each widget both ways and compare.

It draws Django's templates, not overrides of them: a project that overrides a widget
template must take that name out of ``DRAWN`` (this one overrides none).
"""

from collections.abc import Callable

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData


def _show(value) -> str:
    """``{{ value }}``: localized, as text, then escaped unless marked safe."""
    value = localize(value)
    return conditional_escape(value if isinstance(value, str) else str(value))


def _text(value) -> str:
    """``{{ value|stringformat:'s' }}``: ``%s`` of the value, escaped unless it was safe."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict) -> str:
    """``attrs.html``: ``True`` writes the bare name, ``False`` leaves the attribute out."""
    return "".join(
        f" {_show(name)}" if value is True else f' {_show(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class FormRenderer(DjangoTemplates):
    """Django's default renderer, with its standard widget templates drawn in Python."""

    def render(self, template_name, context, request=None):
        draw = DRAWN.get(template_name)
        if draw is None:
            return super().render(template_name, context, request)
        return draw(self, context)

    # ``widgets/input.html`` and the inputs that include it.
    def input(self, context) -> str:
        w = context["widget"]
        value = "" if w["value"] is None else f' value="{_text(w["value"])}"'
        attrs = _attrs(w["attrs"])
        return f'<input type="{_show(w["type"])}" name="{_show(w["name"])}"{value}{attrs}>'

    def textarea(self, context) -> str:
        w = context["widget"]
        return (
            f'<textarea name="{_show(w["name"])}"{_attrs(w["attrs"])}>\n'
            f"{_show(w['value']) if w['value'] else ''}</textarea>"
        )

    def _option(self, option: dict) -> str:
        """An option through its own template name, as ``{% include option.template_name %}``."""
        return self.render(option["template_name"], {"widget": option})

    def select(self, context) -> str:
        w = context["widget"]
        parts = [f'<select name="{_show(w["name"])}"{_attrs(w["attrs"])}>']
        for group_name, options, _index in w["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_show(group_name)}">')
            parts.extend(f"\n  {self._option(option)}" for option in options)
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts)

    def select_option(self, context) -> str:
        w = context["widget"]
        attrs = _attrs(w["attrs"])
        return f'<option value="{_text(w["value"])}"{attrs}>{_show(w["label"])}</option>'

    # ``widgets/multiple_input.html``: radio buttons and checkboxes, one ``<div>`` each.
    def multiple_input(self, context) -> str:
        w = context["widget"]
        attrs = w["attrs"]
        parts = ["<div"]
        if attrs.get("id"):
            parts.append(f' id="{_show(attrs["id"])}"')
        if attrs.get("class"):
            parts.append(f' class="{_show(attrs["class"])}"')
        parts.append(">")
        for group, options, _index in w["optgroups"]:
            if group:
                parts.append(f"\n  <div><label>{_show(group)}</label>")
            parts.extend(f"<div>\n    {self._option(option)}</div>" for option in options)
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return "".join(parts)

    def input_option(self, context) -> str:
        w = context["widget"]
        if not w["wrap_label"]:
            return self.input(context)
        target = f' for="{_show(w["attrs"]["id"])}"' if w["attrs"].get("id") else ""
        return f"<label{target}>{self.input(context)} {_show(w['label'])}</label>"

    # ``errors/list/ul.html``: a field's (or the form's) errors; nothing when there are none.
    def error_list(self, context) -> str:
        errors = context["errors"]
        if not errors:
            return ""
        field_id = getattr(errors, "field_id", None)
        named = f' id="{_show(field_id)}_error"' if field_id else ""
        items = "".join(f"<li>{_show(error)}</li>" for error in errors)
        return f'<ul class="{_show(context["error_class"])}"{named}>{items}</ul>'


_WIDGETS = "django/forms/widgets/"
_INPUTS = ("input", "text", "email", "number", "date", "datetime", "time", "hidden", "password",
           "url", "tel", "search", "color", "checkbox", "file")  # fmt: skip

#: Template name → how ``FormRenderer`` draws it. Names not here go to the template engine.
DRAWN: dict[str, Callable[[FormRenderer, dict], str]] = {
    **{f"{_WIDGETS}{name}.html": FormRenderer.input for name in _INPUTS},
    f"{_WIDGETS}textarea.html": FormRenderer.textarea,
    f"{_WIDGETS}select.html": FormRenderer.select,
    f"{_WIDGETS}select_option.html": FormRenderer.select_option,
    **{
        f"{_WIDGETS}{name}.html": FormRenderer.multiple_input
        for name in ("multiple_input", "radio", "checkbox_select")
    },
    **{
        f"{_WIDGETS}{name}.html": FormRenderer.input_option
        for name in ("input_option", "radio_option", "checkbox_option")
    },
    "django/forms/errors/list/default.html": FormRenderer.error_list,
    "django/forms/errors/list/ul.html": FormRenderer.error_list,
}
