"""After "Register my visit" the guest lands on a page that says so first (Post/Redirect/Get):
the meeting, its time and place, and its .ics; the address names the meeting and nothing else."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from icalendar import Calendar

from meetings.models import Visitor
from meetings.services import registered_meeting, registration_token
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(chapter):
    return reverse("meetings:public", args=[chapter.slug])


def register(client, meeting, **overrides):
    data = {"name": "Grace Hopper", "email": "grace@example.test", "trade": "Printer",
            "meeting": meeting.pk, "invited_by": "", "website": ""} | overrides  # fmt: skip
    return client.post(reverse("meetings:public", args=[meeting.chapter.slug]), data)


def test_registering_redirects_to_a_confirmation_that_names_the_meeting(client, next_meeting):
    chapter = next_meeting.chapter
    chapter.venue = "The Old Bank, 1 High Street"
    chapter.save()
    response = register(client, next_meeting)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    starts = next_meeting.starts_at.astimezone(chapter.tz)
    assert html.index("Thank you! You are registered.") < html.index("Your visit")
    assert f"{starts:%A} {starts.day} {starts:%B %Y, %H:%M}" in html
    assert "The Old Bank, 1 High Street" in html
    assert "grace@example.test" not in html and "Grace" not in html  # the guest is not named
    # The token carries the second it was signed in, so read the link the page gives.
    [token] = re.findall(
        rf'href="/meetings/chapter/{chapter.slug}/registered/([^/"]+)/meeting.ics"', html
    )
    assert registered_meeting(chapter=chapter, token=token) == next_meeting
    assert Visitor.objects.count() == 1
    client.get(response["Location"])  # reloading the confirmation registers nobody again
    assert Visitor.objects.count() == 1


def test_the_ics_is_the_meeting_and_nothing_else(client, next_meeting):
    token = registration_token(next_meeting)
    response = client.get(reverse("meetings:public_ics", args=[next_meeting.chapter.slug, token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar"
    assert response["Content-Disposition"] == 'attachment; filename="meeting.ics"'
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["UID"]) == f"meeting-{next_meeting.pk}@slipstream"
    assert event.decoded("DTSTART") == next_meeting.starts_at
    assert b"ATTENDEE" not in response.content and b"grace" not in response.content


@pytest.mark.parametrize("name", ["meetings:public_registered", "meetings:public_ics"])
def test_a_made_up_or_foreign_token_answers_404(client, next_meeting, other_chapter, name):
    slug = next_meeting.chapter.slug
    foreign = MeetingFactory(chapter=other_chapter, date=next_meeting.date)
    cancelled = MeetingFactory(
        chapter=next_meeting.chapter, cancelled=True, cancel_reason="Holiday",
        date=next_meeting.date + dt.timedelta(weeks=1),
    )  # fmt: skip
    for args in (
        [slug, str(next_meeting.pk)],  # unsigned
        [slug, registration_token(next_meeting)[:-2] + "xx"],  # tampered
        [slug, registration_token(foreign)],  # another chapter's meeting
        [other_chapter.slug, registration_token(next_meeting)],  # under another chapter
        [slug, registration_token(cancelled)],  # no longer held
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, args


def test_the_honeypot_lands_on_the_same_confirmation(client, next_meeting, mailoutbox):
    response = register(client, next_meeting, website="http://spam.example")
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert not Visitor.objects.exists() and mailoutbox == []


def test_the_confirmation_page_query_count_is_fixed(
    client, next_meeting, django_assert_num_queries
):
    url = reverse(
        "meetings:public_registered",
        args=[next_meeting.chapter.slug, registration_token(next_meeting)],
    )
    with django_assert_num_queries(2):  # the chapter, the meeting
        assert client.get(url).status_code == 200


def test_the_confirmation_email_has_a_readable_html_part_and_links_the_confirmation(
    client, next_meeting, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(client, next_meeting)
    confirmation = mailoutbox[0]
    assert f"Your visit: http://localhost:8000{response['Location']}" in confirmation.body
    [(html, mimetype)] = confirmation.alternatives
    assert mimetype == "text/html"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert f'href="http://localhost:8000{response["Location"]}"' in html
    assert [name for name, _, _ in confirmation.attachments] == ["meeting.ics"]


class RefusingBackend:
    """A mail server that is down."""

    tried: list[str] = []

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        self.tried.extend(m.subject for m in messages)
        raise ConnectionRefusedError("the mail server is down")


def test_a_mail_server_that_refuses_costs_the_guest_no_error_and_keeps_the_visit(
    client, next_meeting, settings, django_capture_on_commit_callbacks
):
    RefusingBackend.tried.clear()
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    with django_capture_on_commit_callbacks(execute=True) as sent:
        response = register(client, next_meeting)
    assert sent, "the emails go after the commit"
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert Visitor.objects.filter(email="grace@example.test").count() == 1
    assert RefusingBackend.tried[0].startswith("You are expected at")  # it was tried, and refused
