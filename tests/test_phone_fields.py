"""What a phone types into: a phone number opens the dial pad (``type="tel"``), an email the
email keyboard; and how a page writes money: grouped by thousands, in the chapter's currency."""

from decimal import Decimal

import pytest
from django import forms
from django.template import engines

from meetings.forms import GuestForm, VisitorForm
from members.forms import ProfileForm
from members.models import Chapter
from members.templatetags.money import amount, money
from referrals.forms import FORMS

#: Every form of the site with a phone or email field, and whose number it asks for.
PHONE_FORMS = {
    "referral (the contact's)": (FORMS["referral"], "contact_phone", "off"),
    "visitor (the guest's, typed by a member)": (VisitorForm, "phone", "off"),
    "public visit (the guest's own)": (GuestForm, "phone", "tel"),
    "profile (the member's own)": (ProfileForm, "phone", "tel"),
}


@pytest.mark.parametrize("form_class, name, autocomplete", PHONE_FORMS.values(), ids=PHONE_FORMS)
def test_a_phone_number_opens_the_dial_pad(form_class, name, autocomplete):
    widget = form_class.base_fields[name].widget
    html = widget.render(name, "")
    assert 'type="tel"' in html
    assert f'autocomplete="{autocomplete}"' in html


@pytest.mark.parametrize(
    "form_class", [FORMS["referral"], VisitorForm, GuestForm], ids=["referral", "visitor", "guest"]
)
def test_an_email_address_opens_the_email_keyboard(form_class):
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.EmailField):
            assert 'type="email"' in field.widget.render(name, "")


def test_no_phone_field_of_the_slip_forms_is_plain_text():
    for kind, form_class in FORMS.items():
        for name, field in form_class.base_fields.items():
            if "phone" in name:
                assert field.widget.input_type == "tel", (kind, name)


def test_money_is_grouped_and_followed_by_the_currency():
    chapter = Chapter(currency="GBP")
    assert money(Decimal("41461.96"), chapter) == "41,461.96\xa0GBP"
    assert money(Decimal("0"), chapter) == "0.00\xa0GBP"
    assert money(1234567.5, "EUR") == "1,234,567.50\xa0EUR"
    assert amount(Decimal("41461.96"), chapter) == "41,461.96"
    assert money(None, chapter) == ""


def test_money_follows_a_chapter_that_writes_a_comma_before_the_cents():
    chapter = Chapter(currency="EUR", decimal_mark=",")
    assert money(Decimal("41461.96"), chapter) == "41.461,96\xa0EUR"


def test_the_money_filter_draws_the_same_in_a_template():
    template = engines["django"].from_string("{% load money %}{{ x|money:chapter }}")
    assert template.render({"x": Decimal("1250.5"), "chapter": Chapter(currency="GBP")}) == (
        "1,250.50\xa0GBP"
    )
