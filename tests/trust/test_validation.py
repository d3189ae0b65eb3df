"""Every field a member fills is validated, with the message next to the field, and nothing
is stored from a refused form: lengths, emails, phones, amounts, dates in range."""

import datetime as dt

import pytest
from django.urls import reverse

from meetings.models import Visitor
from referrals.models import Ceu, OneToOne, Referral, Tyfcb
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def log(client, kind: str, data: dict):
    return client.post(f"{reverse('referrals:log_slip')}?kind={kind}", data)


def errors(response) -> dict:
    """The re-rendered form's errors (some pages answer a refused form with 400)."""
    assert response.status_code in (200, 400), response.status_code
    return response.context["form"].errors


@pytest.fixture
def alice(login, member):
    return login(member)


def referral_data(receiver, **overrides):
    return {
        "receiver": receiver.pk, "date": receiver.chapter.today().isoformat(), "kind": "inside",
        "contact_name": "Dana", "temperature": 2, **overrides,
    }  # fmt: skip


def test_referral_dated_ten_years_ago_is_refused(alice, other_member, chapter):
    day = chapter.today() - dt.timedelta(days=3650)
    response = log(alice, "referral", referral_data(other_member, date=day.isoformat()))
    assert "more than a year ago" in errors(response)["date"][0]
    assert not Referral.objects.exists()


def test_referral_dated_next_year_is_refused(alice, other_member, chapter):
    day = chapter.today() + dt.timedelta(days=365)
    response = log(alice, "referral", referral_data(other_member, date=day.isoformat()))
    assert errors(response)["date"] == ["A slip cannot be dated in the future."]
    assert not Referral.objects.exists()


def test_referral_dated_eleven_months_ago_is_accepted(alice, other_member, chapter):
    day = chapter.today() - dt.timedelta(days=330)
    other_member.joined_on = day - dt.timedelta(days=1)
    other_member.save()
    response = log(alice, "referral", referral_data(other_member, date=day.isoformat()))
    assert response.status_code == 302
    assert Referral.objects.get().date >= day


def test_one_to_one_may_be_planned_weeks_ahead_but_not_a_year(alice, other_member, chapter):
    base = {"other": other_member.pk, "status": "planned", "place": "Café"}
    far = chapter.today() + dt.timedelta(days=200)
    response = log(alice, "one_to_one", base | {"date": far.isoformat()})
    assert "at most 90 days ahead" in errors(response)["date"][0]
    near = chapter.today() + dt.timedelta(days=14)
    assert log(alice, "one_to_one", base | {"date": near.isoformat()}).status_code == 302
    assert OneToOne.objects.get().date == near


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_name", "x" * 121, "at most 120 characters"),
        ("contact_name", "", "Who is the contact?"),
        ("contact_email", "dana@", "Enter an email address"),
        ("contact_phone", "call me maybe", "Enter a phone number"),
        ("need", "x" * 1001, "at most 1000 characters"),
        ("temperature", "9", "Temperature is 1 to 5"),
    ],
)
def test_referral_fields_are_validated(alice, other_member, field, value, message):
    response = log(alice, "referral", referral_data(other_member, **{field: value}))
    assert message in " ".join(errors(response)[field])
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("12.345", "at most two decimal places"),
        ("-5", "more than 0"),
        ("0", "more than 0"),
        ("abc", "Enter an amount in numbers"),
        ("NaN", "Enter an amount in numbers"),
        ("Infinity", "Enter an amount in numbers"),
        ("99999999999", "too large"),
    ],
)
def test_tyfcb_amount_must_be_a_positive_decimal_with_two_places(
    alice, other_member, chapter, amount, message
):
    data = {"thanked": other_member.pk, "date": chapter.today().isoformat(), "amount": amount,
            "business": "new"}  # fmt: skip
    assert message in " ".join(errors(log(alice, "tyfcb", data))["amount"])
    assert not Tyfcb.objects.exists()


def test_tyfcb_amount_with_thousands_separator_is_stored_as_decimal(alice, other_member, chapter):
    data = {"thanked": other_member.pk, "date": chapter.today().isoformat(),
            "amount": "1,250.5", "business": "new"}  # fmt: skip
    assert log(alice, "tyfcb", data).status_code == 302
    assert str(Tyfcb.objects.get().amount) == "1250.50"


@pytest.mark.parametrize(
    ("data", "field"),
    [({"topic": "x" * 201, "credits": 1}, "topic"), ({"topic": "Podcast", "credits": 0}, "credits"),
     ({"topic": "Podcast", "credits": "1.5"}, "credits")],
)  # fmt: skip
def test_ceu_topic_and_credits_are_validated(alice, chapter, data, field):
    response = log(alice, "ceu", {"date": chapter.today().isoformat(), **data})
    assert field in errors(response)
    assert not Ceu.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("first_name", "x" * 151), ("company", "x" * 151), ("phone", "not a phone"),
     ("website", "javascript:alert(1)"), ("ideal_referral", "x" * 601), ("first_name", "")],
)  # fmt: skip
def test_profile_fields_are_validated(alice, member, field, value):
    data = {"first_name": "Alice", "last_name": "A", "company": "", "phone": "", "website": "",
            "ideal_referral": "", field: value}  # fmt: skip
    response = alice.post(reverse("members:edit_profile"), data)
    assert field in errors(response)
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert member.user.first_name == "Alice"


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "x" * 121), ("email", "not-an-email"), ("phone", "+44 abc"), ("company", "x" * 151)],
)
def test_visitor_fields_are_validated(alice, chapter, field, value):
    meeting = MeetingFactory(chapter=chapter, date=chapter.today() + dt.timedelta(days=7))
    data = {"name": "Guest", "email": "guest@example.test", "trade": "Baker",
            "meeting": meeting.pk, field: value}  # fmt: skip
    response = alice.post(reverse("meetings:visitor_add"), data)
    assert field in errors(response)
    assert not Visitor.objects.exists()


def test_meeting_cancel_reason_longer_than_200_is_refused(login, president, chapter):
    meeting = MeetingFactory(chapter=chapter, date=chapter.today() + dt.timedelta(days=7))
    client = login(president)
    response = client.post(reverse("meetings:cancel", args=[meeting.pk]), {"reason": "x" * 201})
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert not meeting.cancelled
