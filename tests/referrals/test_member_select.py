"""The member picker's ``<select>``: every member of the chapter offered by name, escaped,
the chosen one selected, for every slip form, blank, filled in and with errors."""

import pytest

from referrals.forms import FORMS
from tests.factories import MemberFactory


@pytest.mark.parametrize("kind", ["referral", "tyfcb", "one_to_one", "testimonial"])
@pytest.mark.parametrize("state", ["blank", "chosen", "invalid"])
def test_member_select_offers_every_member_escaped(chapter, member, kind, state):
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
        html = str(form[name])
        assert html.startswith(f'<select name="{form[name].html_name}"')
        assert "<b>" not in html
        assert "&lt;b&gt;Bo &amp; &quot;Co&quot;&lt;/b&gt;" in html
        for other in others:
            assert f'value="{other.pk}"' in html
        if state == "chosen":
            assert f'value="{others[1].pk}" selected' in html
