"""Every form field of the site is drawn by one template, ``templates/partials/field.html``
(the form renderer's ``field_template_name``): each input has its label, the help and the
errors carry the ids the input names in ``aria-describedby``, a choice of radio buttons is a
fieldset named by its legend, and a field's errors sit beside it."""

import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.core import mail
from django.forms.renderers import get_default_renderer
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader
from django.urls import reverse

from pages.forms import FormRenderer
from referrals.forms import FORMS
from tests.factories import ClassificationFactory, MeetingFactory

pytestmark = pytest.mark.django_db

#: Inputs a person fills in or picks (hidden inputs and buttons have no label).
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Page(HTMLParser):
    """The ids of a page, who names which in ``aria-describedby``, and each input's label."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.described: list[tuple[str, str]] = []
        self.label_for: set[str] = set()
        self.inputs: list[dict] = []
        self._labels = 0
        self._fieldsets: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described += [(tag, i) for i in attrs["aria-describedby"].split()]
        if tag == "label":
            self._labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag == "fieldset":
            self._fieldsets.append({"legend": False})
        elif tag == "legend" and self._fieldsets:
            self._fieldsets[-1]["legend"] = True
        elif tag in {"input", "select", "textarea"} and attrs.get("type") not in UNLABELLED_TYPES:
            self.inputs.append(
                {
                    "tag": tag,
                    **attrs,
                    "wrapped": self._labels > 0,
                    "in_named_fieldset": bool(self._fieldsets) and self._fieldsets[-1]["legend"],
                }
            )

    def handle_endtag(self, tag):
        if tag == "label":
            self._labels -= 1
        elif tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()


def assert_fields_accessible(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    assert page.inputs, "no form on the page"
    missing = [(tag, i) for tag, i in page.described if i not in page.ids]
    assert not missing, f"aria-describedby names ids the page does not have: {missing}"
    for field in page.inputs:
        labelled = field["wrapped"] or field.get("id") in page.label_for
        assert labelled or field.get("aria-label"), f"no label for {field}"
        if field.get("type") == "radio":
            assert field["in_named_fieldset"], f"a radio button outside a named fieldset: {field}"
    return page


def test_the_site_draws_every_field_with_one_template():
    renderer = get_default_renderer()
    assert isinstance(renderer, FormRenderer)
    assert renderer.field_template_name == "partials/field.html"


def test_templates_are_parsed_once_per_process():
    """No ``loaders`` option: Django's cached loader, with DEBUG on or off."""
    engine = engines["django"].engine
    assert isinstance(engine.template_loaders[0], CachedLoader)


class _Sample(forms.Form):
    name = forms.CharField(help_text="As on your <em>card</em>.")
    temperature = forms.ChoiceField(
        choices=[("1", "Cold"), ("2", "Warm")], widget=forms.RadioSelect, help_text="How keen."
    )
    agreed = forms.BooleanField(help_text="Tick to agree.")
    note = forms.CharField(widget=forms.HiddenInput, required=False)


def test_a_field_has_its_label_help_and_errors_beside_it():
    form = _Sample({"name": "", "temperature": "9"})
    html = "".join(str(form[name].as_field_group()) for name in form.fields)
    page = assert_fields_accessible(html)
    assert '<label for="id_name">Name</label>' in html
    assert '<div class="helptext" id="id_name_helptext">As on your <em>card</em>.</div>' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert '<ul class="errorlist" id="id_name_error">' in html
    assert '<div class="field has-error">' in html
    # The radio buttons: a fieldset named by its legend, described by its help and errors.
    assert re.search(
        r'<fieldset class="field choices has-error" '
        r'aria-describedby="id_temperature_helptext id_temperature_error">\s*'
        r"<legend>Temperature</legend>",
        html,
    )
    assert {i["id"] for i in page.inputs if i.get("type") == "radio"} == {
        "id_temperature_0",
        "id_temperature_1",
    }
    assert '<label class="check" for="id_agreed"><input type="checkbox"' in html
    assert '<div class="helptext" id="id_agreed_helptext">Tick to agree.</div>' in html
    assert '<input type="hidden" name="note" id="id_note">' in html


@pytest.mark.parametrize("kind", sorted(FORMS))
def test_every_slip_form_blank_and_with_errors(login, member, other_member, kind):
    client = login(member)
    url = f"{reverse('referrals:log_slip')}?kind={kind}"
    assert_fields_accessible(client.get(url).text)
    html = client.post(url, {"date": "not a date", "token": "t"}).text
    assert 'class="errorlist"' in html
    page = assert_fields_accessible(html)
    assert any(i.endswith("_error") for _, i in page.described)


def test_the_profile_form(login, member):
    client = login(member)
    assert_fields_accessible(client.get(reverse("members:edit_profile")).text)
    html = client.post(reverse("members:edit_profile"), {"phone": "not a phone"}).text
    assert 'class="errorlist"' in html
    assert_fields_accessible(html)


def test_the_invitation_and_the_password_it_sets(client, login, secretary):
    trade = ClassificationFactory(name="Plumber")
    inviter = login(secretary)
    assert_fields_accessible(inviter.get(reverse("members:invite")).text)
    html = inviter.post(reverse("members:invite"), {"email": "not an email"}).text
    assert 'class="errorlist"' in html
    assert_fields_accessible(html)
    inviter.post(
        reverse("members:invite"),
        {"email": "nina@example.test", "first_name": "Nina", "last_name": "New",
         "company": "New Pipes Ltd", "classification": trade.pk},
    )  # fmt: skip
    link = re.search(r"(/members/invitations/[^/\s]+/)", mail.outbox[0].body).group(1)
    client.logout()
    page = client.get(link).text
    assert_fields_accessible(page)
    # The password rules are a list: help in a <div>, not a paragraph that cannot hold one.
    assert re.search(r'<div class="helptext" id="id_password1_helptext"><ul>', page)
    html = client.post(link, {"password1": "a", "password2": "b"}).text
    assert 'class="errorlist"' in html
    assert_fields_accessible(html)


def test_the_visitor_forms(client, login, member, chapter):
    MeetingFactory(chapter=chapter, date=chapter.today())
    leader = login(member)
    assert_fields_accessible(leader.get(reverse("meetings:visitor_add")).text)
    html = leader.post(reverse("meetings:visitor_add"), {"name": ""}).text
    assert 'class="errorlist"' in html
    assert_fields_accessible(html)
    client.logout()
    public = reverse("meetings:public", args=[chapter.slug])
    assert_fields_accessible(client.get(public).text)
    html = client.post(public, {"name": "", "website": ""}).text
    assert 'class="errorlist"' in html
    assert_fields_accessible(html)


def test_the_cancel_form_and_the_bni_connect_upload(login, vice_president, chapter):
    meeting = MeetingFactory(chapter=chapter, date=chapter.today())
    client = login(vice_president)
    assert_fields_accessible(client.get(reverse("meetings:detail", args=[meeting.pk])).text)
    assert_fields_accessible(client.get(reverse("bniconnect:upload")).text)
    html = client.post(reverse("bniconnect:upload"), {"day": "not a day"}).text
    assert 'class="errorlist"' in html
    assert_fields_accessible(html)
