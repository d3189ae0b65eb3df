"""Forms whose fields are copied for each form without ``copy.deepcopy``'s machinery.

Django gives every form its own copy of the class's fields (``copy.deepcopy(base_fields)``),
so that a form may change its fields without touching the next form's. The copy each plain
field and widget makes of itself is small (the object, its widget, the widget's attributes,
the error messages, the validators, the choices), but going through ``copy.deepcopy``'s memo
and ``__reduce_ex__`` for each cost a tenth of the CPU time of logging a slip under load.
``QuickCopyForm`` makes exactly the copies those ``__deepcopy__`` methods make, directly; any
field or widget that copies itself some other way (a ``MultiValueField``, a ``MultiWidget``,
a subclass with its own ``__deepcopy__``) still goes through ``copy.deepcopy``.
"""

import copy

from django import forms
from django.forms.forms import DeclarativeFieldsMetaclass
from django.forms.widgets import ChoiceWidget

_FIELD = forms.Field.__deepcopy__
_CHOICE_FIELD = forms.ChoiceField.__deepcopy__
_WIDGET = forms.Widget.__deepcopy__
_CHOICE_WIDGET = ChoiceWidget.__deepcopy__


def _shallow[T](obj: T) -> T:
    """``copy.copy`` for an object whose state is its ``__dict__`` (Django's fields, widgets)."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


def copy_field(field: forms.Field, memo: dict) -> forms.Field:
    """What ``copy.deepcopy(field)`` returns, by the field's and its widget's own recipe."""
    field_copy, widget = type(field).__deepcopy__, field.widget
    widget_copy = type(widget).__deepcopy__
    if field_copy not in (_FIELD, _CHOICE_FIELD) or widget_copy not in (_WIDGET, _CHOICE_WIDGET):
        return copy.deepcopy(field, memo)
    new = _shallow(field)
    new.widget = new_widget = _shallow(widget)
    new_widget.attrs = widget.attrs.copy()
    if widget_copy is _CHOICE_WIDGET:
        new_widget.choices = copy.copy(widget.choices)
    new.error_messages = field.error_messages.copy()
    new.validators = field.validators[:]
    if field_copy is _CHOICE_FIELD:
        new._choices = _copy_choices(field._choices, memo)
    return new


def _copy_choices(choices, memo: dict):
    """A new list of the same ``(value, label)`` pairs is a deep copy of flat choices (the
    pairs are immutable); anything else (groups, a callable) is deep-copied."""
    if type(choices) is list and all(
        type(pair) is tuple and not isinstance(pair[1], list | tuple) for pair in choices
    ):
        return choices.copy()
    return copy.deepcopy(choices, memo)


class QuickCopyFields(dict):
    """A form class's fields, which copy themselves for each form with ``copy_field``."""

    def __deepcopy__(self, memo: dict) -> dict:
        return {name: copy_field(field, memo) for name, field in self.items()}


class QuickCopyMetaclass(DeclarativeFieldsMetaclass):
    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_fields = QuickCopyFields(new_class.base_fields)
        return new_class


class QuickCopyForm(forms.Form, metaclass=QuickCopyMetaclass):
    """A ``Form`` whose fields are copied for each form by ``copy_field``."""
