"""Attendance opens on the meeting's day: never marked ahead, so a meeting weeks away can still
be cancelled (a mark would keep it from that)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings import demo, services
from meetings.models import Attendance
from tests.factories import MeetingFactory, MemberFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def ahead(chapter):
    """A meeting three weeks from the chapter's today."""
    return MeetingFactory(chapter=chapter, date=chapter.today() + dt.timedelta(weeks=3))


@pytest.fixture
def today(chapter):
    return MeetingFactory(chapter=chapter, date=chapter.today())


def opens_message(meeting) -> str:
    return f"Attendance for the meeting of {meeting.date:%a %d %b %Y} opens on that day."


def test_a_mark_for_a_meeting_ahead_is_refused_with_when_it_opens(ahead, member, vice_president):
    with pytest.raises(ValidationError) as refused:
        services.record_attendance(meeting=ahead, member=member, mark="P", by=vice_president.user)
    assert refused.value.messages == [opens_message(ahead)]
    with pytest.raises(ValidationError) as refused:
        services.mark_everyone_present(meeting=ahead, by=vice_president.user)
    assert refused.value.messages == [opens_message(ahead)]
    assert not Attendance.objects.exists()


def test_todays_and_past_meetings_take_marks(chapter, today, member, vice_president):
    services.record_attendance(meeting=today, member=member, mark="P", by=vice_president.user)
    last_week = MeetingFactory(chapter=chapter, date=today.date - dt.timedelta(weeks=1))
    services.record_attendance(meeting=last_week, member=member, mark="A", by=vice_president.user)
    assert Attendance.objects.count() == 2


def test_the_meeting_ahead_stays_cancellable(login, president, member, vice_president, ahead):
    with pytest.raises(ValidationError):
        services.record_attendance(meeting=ahead, member=member, mark="P", by=vice_president.user)
    response = login(president).post(
        reverse("meetings:cancel", args=[ahead.pk]), {"reason": "Venue closed"}
    )
    assert response.status_code == 302
    ahead.refresh_from_db()
    assert ahead.cancelled


def test_the_page_of_a_meeting_ahead_says_when_attendance_opens(login, vice_president, ahead):
    response = login(vice_president).get(reverse("meetings:take_attendance", args=[ahead.pk]))
    assert response.status_code == 200
    day = ahead.date
    assert f"Attendance for this meeting opens on {day:%A} {day.day} {day:%B %Y}" in response.text
    assert reverse("meetings:mark_everyone", args=[ahead.pk]) not in response.text


def test_a_tap_on_a_meeting_ahead_is_answered_with_the_rule(login, vice_president, member, ahead):
    client = login(vice_president)
    response = client.post(
        reverse("meetings:mark", args=[ahead.pk, member.pk]), {"mark": "P"}, headers=HTMX
    )
    assert opens_message(ahead) in response.text
    response = client.post(reverse("meetings:mark_everyone", args=[ahead.pk]), follow=True)
    assert opens_message(ahead) in response.text
    assert not Attendance.objects.exists()


def test_the_page_of_todays_meeting_shows_the_roster(login, vice_president, member, today):
    response = login(vice_president).get(reverse("meetings:take_attendance", args=[today.pk]))
    assert reverse("meetings:mark", args=[today.pk, member.pk]) in response.text
    assert "opens on" not in response.text


def test_the_demo_marks_no_meeting_ahead(chapter):
    for _ in range(4):
        MemberFactory(chapter=chapter, joined_on=dt.date(2020, 1, 7))
    demo.seed(chapter)
    today = chapter.today()
    assert Attendance.objects.filter(meeting__date__lt=today).exists()
    assert chapter.meetings.filter(date__gt=today).count() >= 7
    assert not Attendance.objects.filter(meeting__date__gt=today).exists()
