"""``FormRenderer`` draws Django's widget and error-list templates in Python: each widget, in
every state a form puts it in, must come out as the HTML Django's own templates render."""

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import ErrorList
from django.test.html import parse_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st

from members.form_renderer import DRAWN, FormRenderer
from referrals.forms import FORMS
from tests.html import shown

LEAN, TEMPLATES = FormRenderer(), DjangoTemplates()


def _equal(lean, slow) -> None:
    assert parse_html(str(lean)) == parse_html(str(slow)), (lean, slow)
    assert shown(lean) == shown(slow), (lean, slow)


EVIL = "<b>\"Bo\" & 'Co'</b>"

CHOICES = [("", "Pick one…"), ("a", "Apple"), (3, EVIL), ("safe", mark_safe("<i>ok</i>"))]
GROUPED = [("Fruit", [("a", "Apple"), ("b", gettext_lazy("Banana"))]), ("c", "Cherry")]

WIDGETS = [
    forms.TextInput(attrs={"class": "wide", "autofocus": True, "hidden": False, "maxlength": 20}),
    forms.EmailInput(),
    forms.NumberInput(attrs={"step": "0.01", "min": 0}),
    forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    forms.DateTimeInput(),
    forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    forms.HiddenInput(),
    forms.PasswordInput(render_value=True),
    forms.URLInput(),
    forms.TelInput(),
    forms.SearchInput(),
    forms.ColorInput(),
    forms.CheckboxInput(),
    forms.FileInput(),
    forms.Textarea(attrs={"rows": 3}),
    forms.Select(choices=CHOICES),
    forms.Select(choices=GROUPED),
    forms.SelectMultiple(choices=CHOICES),
    forms.NullBooleanSelect(),
    forms.RadioSelect(choices=CHOICES),
    forms.RadioSelect(choices=GROUPED, attrs={"class": "inline"}),
    forms.CheckboxSelectMultiple(choices=CHOICES),
]
VALUES = [None, "", "a", 3, EVIL, mark_safe("<i>safe</i>"), ["a", 3], True, dt.date(2026, 3, 3)]


def _same(widget, name, value, attrs) -> str:
    try:
        slow = widget.render(name, value, attrs, renderer=TEMPLATES)
    except (TypeError, ValueError) as exc:  # a value the widget itself refuses, either way
        with pytest.raises(type(exc)):
            widget.render(name, value, attrs, renderer=LEAN)
        return ""
    lean = widget.render(name, value, attrs, renderer=LEAN)
    _equal(lean, slow)
    return lean


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda w: type(w).__name__)
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_each_widget_renders_as_djangos_template(widget, value):
    html = _same(widget, "field", value, {"id": "id_field", "required": True})
    assert "<b>" not in html


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda w: type(w).__name__)
def test_a_widget_without_an_id_or_attributes_renders_as_djangos_template(widget):
    _same(widget, "field", "a", None)
    _same(widget, EVIL, EVIL, {"data-x": EVIL})


@settings(max_examples=60, deadline=None)
@given(
    value=st.text(max_size=12),
    label=st.text(max_size=12),
    attr=st.one_of(st.booleans(), st.integers(), st.text(max_size=8)),
)
def test_any_text_renders_as_djangos_template(value, label, attr):
    for widget in (
        forms.TextInput(attrs={"data-a": attr}),
        forms.Textarea(attrs={"data-a": attr}),
        forms.Select(choices=[(value, label), ("x", "X")], attrs={"data-a": attr}),
        forms.RadioSelect(choices=[(value, label)], attrs={"data-a": attr}),
    ):
        _same(widget, "field", value, {"id": "id_f"})


@pytest.mark.parametrize("messages", [[], ["Pick a member.", EVIL]])
@pytest.mark.parametrize("error_class", [None, "nonfield"])
@pytest.mark.parametrize("field_id", [None, "id_receiver"])
def test_error_lists_render_as_djangos_template(messages, error_class, field_id):
    lean, slow = (
        str(ErrorList(messages, error_class=error_class, renderer=r, field_id=field_id))
        for r in (LEAN, TEMPLATES)
    )
    _equal(lean, slow)
    assert (lean == "") == (not messages)
    assert "<b>" not in lean


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(FORMS))
@pytest.mark.parametrize("bound", [False, True])
def test_every_slip_form_renders_as_djangos_templates(member, kind, bound):
    data = {"date": "not a date", "amount": EVIL, "contact_name": EVIL} if bound else None
    forms_ = [FORMS[kind](data, me=member, renderer=r) for r in (LEAN, TEMPLATES)]
    for form in forms_:
        form.is_valid()
    lean, slow = forms_
    _equal(lean.non_field_errors(), slow.non_field_errors())
    for name in lean.fields:
        _equal(lean[name], slow[name])
        _equal(lean[name].errors, slow[name].errors)
    if bound:
        assert any(lean[name].errors for name in lean.fields)


def test_templates_it_does_not_draw_go_to_djangos_engine():
    widget = forms.ClearableFileInput()
    assert "django/forms/widgets/clearable_file_input.html" not in DRAWN
    assert widget.render("f", None, renderer=LEAN) == widget.render("f", None, renderer=TEMPLATES)
    form = forms.Form(renderer=LEAN)
    assert form.render() == ""  # div.html, through the engine


def test_the_project_renders_forms_with_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
