"""The numbers and buttons of the meetings pages: a meeting's visitors counted once whatever
else the list reads, and the cancel button offered only where cancelling would be accepted."""

import datetime as dt

import pytest
from django.urls import reverse

from meetings.selectors import meetings_overview
from tests.factories import AttendanceFactory, MeetingFactory, MemberFactory, VisitFactory

pytestmark = pytest.mark.django_db


def _card(html: str, meeting) -> str:
    href = reverse("meetings:detail", args=[meeting.pk])
    start = html.index(f'<a href="{href}">')
    return html[start : html.index("</li>", start)]


def test_a_meeting_with_one_visitor_and_28_marks_says_one_visitor(login, member, chapter):
    """Counting visits over a query that also joined the marks once said "28 visitors"."""
    meeting = MeetingFactory(chapter=chapter, date=chapter.today() - dt.timedelta(weeks=1))
    for person in [*MemberFactory.create_batch(27, chapter=chapter), member]:
        AttendanceFactory(meeting=meeting, member=person)
    VisitFactory(meeting=meeting, visitor__chapter=chapter)
    two = MeetingFactory(chapter=chapter, date=chapter.today() - dt.timedelta(weeks=2))
    VisitFactory.create_batch(2, meeting=two, visitor__chapter=chapter)
    AttendanceFactory(meeting=two, member=member)

    _, recent = meetings_overview(chapter)
    assert {m.pk: m.expected for m in recent} == {meeting.pk: 1, two.pk: 2}
    html = login(member).get(reverse("meetings:list")).text
    assert "· 1 visitor</span>" in _card(html, meeting)
    assert "· 2 visitors</span>" in _card(html, two)


def test_cancel_is_offered_only_for_a_meeting_without_marks(login, president, member, chapter):
    marked = MeetingFactory(chapter=chapter, date=chapter.today() - dt.timedelta(weeks=1))
    AttendanceFactory(meeting=marked, member=member)
    unmarked = MeetingFactory(chapter=chapter, date=chapter.today() + dt.timedelta(weeks=1))
    client = login(president)
    html = client.get(reverse("meetings:detail", args=[marked.pk])).text
    assert (
        "Cancel this meeting" not in html
        and reverse("meetings:cancel", args=[marked.pk]) not in html
    )
    html = client.get(reverse("meetings:detail", args=[unmarked.pk])).text
    assert "Cancel this meeting" in html
    # The button the page offers is accepted; the one it does not offer would be refused.
    response = client.post(reverse("meetings:cancel", args=[marked.pk]), {"reason": "Snow"})
    assert response.status_code == 400


def test_a_members_meeting_page_offers_no_cancel_button(login, member, chapter):
    meeting = MeetingFactory(chapter=chapter, date=chapter.today() + dt.timedelta(weeks=1))
    html = login(member).get(reverse("meetings:detail", args=[meeting.pk])).text
    assert "Cancel this meeting" not in html
