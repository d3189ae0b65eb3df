"""``QuickCopyForm``: each form's fields are its own, as with Django's ``copy.deepcopy``."""

import copy

import pytest
from django import forms

from members.fieldcopy import QuickCopyForm, copy_field
from referrals.forms import FORMS


class Sample(QuickCopyForm):
    name = forms.CharField(max_length=10, widget=forms.TextInput(attrs={"class": "x"}))
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    grouped = forms.ChoiceField(choices=[("Group", [("c", "C"), ("d", "D")])])
    when = forms.SplitDateTimeField()  # a MultiValueField: copied by copy.deepcopy


def _state(field: forms.Field) -> dict:
    return {
        "type": type(field),
        "widget": type(field.widget),
        "attrs": field.widget.attrs,
        "errors": field.error_messages,
        "validators": field.validators,
        "choices": list(getattr(field, "_choices", [])),
        "required": field.required,
        "label": field.label,
    }


@pytest.mark.parametrize("form_class", [Sample, *FORMS.values()], ids=lambda c: c.__name__)
def test_each_form_gets_fields_equal_to_a_deep_copy_and_its_own(form_class):
    base = form_class.base_fields
    quick = copy.deepcopy(base)
    deep = {name: copy.deepcopy(field) for name, field in base.items()}
    assert list(quick) == list(deep)
    for name, field in quick.items():
        assert _state(field) == _state(deep[name]), name
        assert field is not base[name]
        assert field.widget is not base[name].widget
        for part in ("attrs",):
            assert getattr(field.widget, part) is not getattr(base[name].widget, part)
        assert field.error_messages is not base[name].error_messages
        assert field.validators is not base[name].validators


def test_changing_one_forms_fields_leaves_the_class_and_the_next_form_alone():
    first, second = Sample(), Sample()
    first.fields["name"].widget.attrs["class"] = "changed"
    first.fields["name"].validators.append(lambda value: None)
    first.fields["name"].error_messages["required"] = "changed"
    first.fields["kind"].choices = [("z", "Z")]
    assert second.fields["name"].widget.attrs == {"class": "x", "maxlength": "10"}
    assert len(second.fields["name"].validators) == len(Sample.base_fields["name"].validators)
    assert second.fields["name"].error_messages["required"] != "changed"
    assert list(second.fields["kind"].choices) == [("a", "A"), ("b", "B")]
    assert list(second.fields["kind"].widget.choices) == [("a", "A"), ("b", "B")]
    assert list(Sample.base_fields["kind"].choices) == [("a", "A"), ("b", "B")]


def test_grouped_choices_and_multi_value_fields_are_deep_copied():
    field = Sample.base_fields["grouped"]
    copied = copy_field(field, {})
    assert copied._choices == field._choices
    assert copied._choices[0][1] is not field._choices[0][1]  # the group's list, copied
    when = copy_field(Sample.base_fields["when"], {})
    assert when.fields[0] is not Sample.base_fields["when"].fields[0]


def test_a_form_validates_as_before():
    assert Sample({"name": "Ann", "kind": "a", "grouped": "c", "when_0": "2026-01-02",
                   "when_1": "10:00"}).is_valid()  # fmt: skip
    form = Sample({"name": "x" * 11, "kind": "q", "grouped": "c"})
    assert not form.is_valid()
    assert set(form.errors) == {"name", "kind", "when"}
