"""The chapter's public page: no login, no member's contact, a guarded "visit us" form."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from meetings.models import Visit, Visitor
from meetings.views import GUEST_LIMIT
from tests.factories import ClassificationFactory, ContactSphereFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(chapter):
    return reverse("meetings:public", args=[chapter.slug])


def guest(meeting, **overrides):
    data = {
        "name": "Grace Hopper",
        "email": "grace@example.test",
        "phone": "+44 20 7946 0999",
        "company": "Hopper Print",
        "trade": "Printer",
        "meeting": meeting.pk,
        "invited_by": "",
        "website": "",
    }
    data.update(overrides)
    return data


def test_public_page_shows_times_and_trades_but_no_members_contact(
    client, url, member, other_member, next_meeting
):
    sphere = member.classification.sphere
    ClassificationFactory(name="Roofer", sphere=sphere)
    ClassificationFactory(name="Juggler", sphere=ContactSphereFactory(name="Unused sphere"))
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tuesday" in html and "07:00" in html and "The Old Bank" in html
    assert member.classification.name in html and other_member.classification.name in html
    assert "Roofer" in html and "Juggler" not in html
    for secret in (member.email, member.phone, other_member.email, "alice@"):
        assert secret not in html


def test_unknown_chapter_is_404(client):
    assert client.get(reverse("meetings:public", args=["nowhere"])).status_code == 404


def test_guest_registers_naming_the_member_who_invited_them(
    client,
    url,
    member,
    president,
    visitor_host,
    next_meeting,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, guest(next_meeting, invited_by=member.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{url}registered/")
    visit = Visit.objects.select_related("visitor").get()
    assert (visit.invited_by, visit.meeting, visit.visitor.status) == (
        member,
        next_meeting,
        Visitor.Status.INVITED,
    )
    assert visit.visitor.name == "Grace Hopper" and visit.visitor.trade == "Printer"

    confirmation, heads_up = mailoutbox
    assert confirmation.to == ["grace@example.test"]
    assert "Alice" in confirmation.body
    assert sorted(heads_up.to) == sorted([president.email, visitor_host.email])
    assert "Grace Hopper" in heads_up.body
    (name, content, mimetype) = confirmation.attachments[0]
    assert (name, mimetype) == ("meeting.ics", "text/calendar")
    calendar = Calendar.from_ical(content)
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["UID"]) == f"meeting-{next_meeting.pk}@slipstream"
    assert event.decoded("DTSTART") == next_meeting.starts_at
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/London"
    assert "You are registered" in client.get(response["Location"]).content.decode()


def test_the_guest_can_only_pick_the_next_four_meetings(client, url, chapter, next_meeting):
    for weeks in range(1, 4):
        MeetingFactory(chapter=chapter, date=next_meeting.date + dt.timedelta(weeks=weeks))
    far = MeetingFactory(chapter=chapter, date=next_meeting.date + dt.timedelta(weeks=4))
    response = client.post(url, guest(far))
    assert response.status_code == 400
    assert "meeting" in response.context["form"].errors
    assert not Visitor.objects.exists()


def test_invalid_input_is_shown_by_its_field_and_nothing_is_stored(
    client, url, next_meeting, mailoutbox
):
    response = client.post(url, guest(next_meeting, email="nope", name=""))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"email", "name"}
    assert not Visitor.objects.exists() and mailoutbox == []


def test_invited_by_must_be_a_member_of_this_chapter(client, url, outsider, next_meeting):
    response = client.post(url, guest(next_meeting, invited_by=outsider.pk))
    assert response.status_code == 400
    assert not Visit.objects.exists()


def test_the_honeypot_is_thanked_but_stores_and_sends_nothing(
    client, url, next_meeting, mailoutbox
):
    response = client.post(url, guest(next_meeting, website="http://spam.example"))
    assert response.status_code == 302
    assert not Visitor.objects.exists() and mailoutbox == []


def test_the_honeypot_is_hidden_by_a_class_not_an_inline_style(client, url, next_meeting):
    html = client.get(url).content.decode()
    assert '<div class="hp" aria-hidden="true">' in html
    assert 'style="' not in html


def test_sign_ups_are_rate_limited_per_address(client, url, next_meeting, chapter):
    for n in range(GUEST_LIMIT):
        client.post(url, guest(next_meeting, email=f"g{n}@example.test"))
    response = client.post(url, guest(next_meeting, email="one-more@example.test"))
    assert response.status_code == 429
    assert "Too many sign-ups" in response.content.decode()
    assert Visitor.objects.count() == GUEST_LIMIT
    # Another address is not affected.
    other = client.post(
        url, guest(next_meeting, email="elsewhere@example.test"), REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302


def test_public_page_query_count_is_fixed(
    client, url, chapter, next_meeting, django_assert_max_num_queries
):
    from tests.factories import MemberFactory

    with django_assert_max_num_queries(8):
        client.get(url)
    for _ in range(10):
        MemberFactory(chapter=chapter)
    with django_assert_max_num_queries(8):
        client.get(url)


@pytest.mark.services
def test_with_the_cache_away_the_public_form_refuses_rather_than_counting_nothing(
    client, url, next_meeting, settings
):
    """Members' limits fail open when Redis is away; strangers' sign-ups fail closed."""
    import time

    from django.core.cache import cache

    settings.CACHES = {
        "default": {"BACKEND": "chapter.cache.ResilientRedisCache", "LOCATION": settings.REDIS_URL}
    }
    cache.down_until = time.monotonic() + 60
    try:
        response = client.post(url, guest(next_meeting, email="while-away@example.test"))
    finally:
        cache.down_until = 0.0
    assert response.status_code == 429
    assert not Visitor.objects.exists()
