"""On a phone: the vice-president takes this week's attendance; the president sees who went over."""

import datetime as dt

import pytest
from django.urls import reverse

from meetings.models import Attendance
from tests.browser.nav import log_in, log_out
from tests.conftest import _member
from tests.factories import AttendanceFactory, ChapterFactory, MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_vice_president_changes_three_marks_and_the_president_sees_who_went_over(phone):
    chapter = ChapterFactory(name="Riverside", slug="riverside")
    today = chapter.today()
    chapter.meeting_weekday = today.weekday()  # this week's meeting is today's
    chapter.save()
    _member(chapter, "victor@example.test", "Victor", roles=["vice_president"])
    _member(chapter, "priya@example.test", "Priya", roles=["president"])
    alice = _member(chapter, "alice@example.test", "Alice")
    bob = _member(chapter, "bob@example.test", "Bob")
    olly = _member(chapter, "olly@example.test", "Olly")
    for weeks in (3, 6, 9):  # three absences already: at the limit
        past = MeetingFactory(chapter=chapter, date=today - dt.timedelta(weeks=weeks))
        AttendanceFactory(meeting=past, member=olly, mark="A")
    meeting = MeetingFactory(chapter=chapter, date=today)

    log_in(phone, "victor@example.test")
    phone.get_by_role("link", name="Meetings").click()
    phone.get_by_role("link", name=f"{today:%a} {today.day} {today:%b %Y}").click()
    phone.get_by_role("link", name="Take attendance").click()
    phone.get_by_role("heading", name="Attendance").wait_for()
    assert no_horizontal_scroll(phone)

    def row(member):
        return phone.locator(f"#member-{member.pk}")

    row(olly).get_by_role("button", name="A Absent", exact=True).click()
    row(olly).get_by_text("saved A").wait_for()
    row(bob).get_by_role("button", name="L Late / left early", exact=True).click()
    row(bob).get_by_text("saved L").wait_for()
    row(alice).get_by_role("button", name="S Sent a substitute", exact=True).click()
    row(alice).get_by_text("Name the substitute for an S mark.").wait_for()
    row(alice).get_by_label("Substitute's name").fill("Jo Bright")
    row(alice).get_by_role("button", name="S Sent a substitute", exact=True).click()
    row(alice).get_by_text("saved S").wait_for()
    phone.locator("#attendance-count").get_by_text("2 not saved yet").wait_for()

    phone.reload()
    for member, mark in ((olly, "A"), (bob, "L"), (alice, "S")):
        pressed = row(member).locator(f"button.mark-{mark}").get_attribute("aria-pressed")
        assert pressed == "true"
    assert row(alice).get_by_label("Substitute's name").input_value() == "Jo Bright"
    assert set(
        Attendance.objects.filter(meeting=meeting).values_list("member__user__first_name", "mark")
    ) == {
        ("Olly", "A"),
        ("Bob", "L"),
        ("Alice", "S"),
    }

    log_out(phone)
    log_in(phone, "priya@example.test")
    phone.goto(reverse("meetings:review"))
    at_risk = phone.locator(".at-risk")
    at_risk.get_by_text("Olly").wait_for()
    assert "Over the limit" in at_risk.inner_text()
    assert no_horizontal_scroll(phone)
