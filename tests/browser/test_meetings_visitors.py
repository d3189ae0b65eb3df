"""A guest signs up on the public page; the host marks them in; the inviter's count rises."""

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from meetings.models import Visit
from tests.conftest import _member
from tests.factories import PASSWORD, ChapterFactory, MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_guest_registers_and_the_visitor_host_marks_them_attended(phone):
    cache.clear()
    chapter = ChapterFactory(name="Riverside", slug="riverside")
    alice = _member(chapter, "alice@example.test", "Alice")
    _member(chapter, "hana@example.test", "Hana", roles=["visitor_host"])
    today = chapter.today()
    meeting = MeetingFactory(
        chapter=chapter,
        date=today + dt.timedelta(days=(chapter.meeting_weekday - today.weekday()) % 7 or 7),
    )
    before = Visit.objects.filter(invited_by=alice, attended=True).count()

    phone.goto(reverse("meetings:public", args=["riverside"]))
    phone.get_by_role("heading", name="Visit Riverside").wait_for()
    assert "alice@example.test" not in phone.content()
    phone.get_by_label("Your name").fill("Grace Hopper")
    phone.get_by_label("Your email").fill("grace@example.test")
    phone.get_by_label("Company").fill("Hopper Print")
    phone.get_by_label("Your trade").fill("Printer")
    phone.get_by_label("Which meeting").select_option(str(meeting.pk))
    phone.get_by_label("Who invited you?").select_option(label=alice.full_name)
    phone.get_by_role("button", name="Register my visit").click()
    phone.get_by_text("You are registered").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert mail.outbox[0].to == ["grace@example.test"]

    phone.goto(reverse("account_login"))
    phone.get_by_label("Email").fill("hana@example.test")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.get_by_role("heading", name="Hello").wait_for()
    phone.goto(reverse("meetings:visitors"))
    card = phone.locator(".visitor-list li", has_text="Grace Hopper")
    assert "Invited" in card.inner_text()
    assert "Alice" in card.inner_text()

    phone.goto(reverse("meetings:visitors_at", args=[meeting.pk]))
    phone.get_by_role("button", name="Grace Hopper came").click()
    phone.get_by_role("button", name="Undo: Grace Hopper came").wait_for()
    assert Visit.objects.filter(invited_by=alice, attended=True).count() == before + 1
    phone.reload()
    assert "Attended" in phone.locator(".visit-list li", has_text="Grace Hopper").inner_text()


def test_after_registering_the_thank_you_and_the_calendar_file_are_in_view(phone, tmp_path):
    """On a phone the guest sees at once that it worked: the thank-you at the top of the
    first screen, the meeting, and the .ics to add it to their calendar."""
    chapter = ChapterFactory(name="Riverside", slug="riverside", venue="The Old Bank")
    today = chapter.today()
    meeting = MeetingFactory(
        chapter=chapter,
        date=today + dt.timedelta(days=(chapter.meeting_weekday - today.weekday()) % 7 or 7),
    )
    phone.goto(reverse("meetings:public", args=["riverside"]))
    phone.get_by_label("Your name").fill("Grace Hopper")
    phone.get_by_label("Your email").fill("grace@example.test")
    phone.get_by_label("Your trade").fill("Printer")
    phone.get_by_label("Which meeting").select_option(str(meeting.pk))
    phone.get_by_role("button", name="Register my visit").click()

    thanks = phone.get_by_role("heading", name="Thank you! You are registered.")
    thanks.wait_for()
    calendar = phone.get_by_role("link", name="Add to my calendar (.ics)")
    height = phone.viewport_size["height"]
    assert phone.evaluate("window.scrollY") == 0
    for element in (thanks, phone.get_by_text("The Old Bank"), calendar):
        box = element.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, box
    with phone.expect_download() as download:
        calendar.click()
    assert download.value.suggested_filename == "meeting.ics"
    saved = tmp_path / "meeting.ics"
    download.value.save_as(saved)
    assert f"meeting-{meeting.pk}@slipstream" in saved.read_text()
    phone.reload()  # the confirmation reloads as itself, registering nobody twice
    thanks.wait_for()
    assert Visit.objects.filter(meeting=meeting).count() == 1
