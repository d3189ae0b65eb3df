"""The member picker's ``<select>`` is drawn in Python (``members.form_renderer``); it must
be the HTML Django's own ``Select`` template renders, for every slip form, blank, filled in
and with errors."""

import pytest
from django.forms.renderers import DjangoTemplates
from django.test.html import parse_html

from referrals.forms import FORMS
from tests.factories import MemberFactory


def _both(bound_field) -> tuple[str, str]:
    fast = str(bound_field)  # the project's renderer
    widget = bound_field.field.widget
    attrs = bound_field.build_widget_attrs({"id": bound_field.auto_id})
    slow = widget.render(bound_field.html_name, bound_field.value(), attrs, DjangoTemplates())
    return fast, slow


@pytest.mark.parametrize("kind", ["referral", "tyfcb", "one_to_one", "testimonial"])
@pytest.mark.parametrize("state", ["blank", "chosen", "invalid"])
def test_member_select_renders_as_djangos_select(chapter, member, kind, state):
    others = [MemberFactory(chapter=chapter) for _ in range(2)]
    others.append(MemberFactory(chapter=chapter, user__first_name='<b>Bo & "Co"</b>'))
    form_class = FORMS[kind]
    data = None
    if state != "blank":
        field = form_class.member_fields[0]
        data = {field: str(others[1].pk) if state == "chosen" else "not-a-member <b>"}
    form = form_class(data, me=member, initial={"date": chapter.today()})
    if data:
        form.is_valid()
    for name in form.member_fields:
        fast, slow = _both(form[name])
        assert parse_html(fast) == parse_html(slow)
        assert "<b>" not in fast
        assert "&lt;b&gt;Bo &amp; &quot;Co&quot;&lt;/b&gt;" in fast
        for other in others:
            assert f'value="{other.pk}"' in fast
        if state == "chosen":
            assert f'value="{others[1].pk}" selected' in fast
