"""What the home page tells a member at a glance: their attendance when it is at risk, on
meeting day the leaders' way to the roster, only the 1-2-1 buttons that would be accepted,
and money grouped by thousands in the chapter's currency."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import AttendanceFactory, MeetingFactory, OneToOneFactory, TyfcbFactory
from tests.html import shown

pytestmark = pytest.mark.django_db


def home(login, who) -> str:
    return shown(login(who).get(reverse("home")).text)


def _absent(chapter, member, weeks):
    for n in weeks:
        meeting = MeetingFactory(chapter=chapter, date=chapter.today() - dt.timedelta(weeks=n))
        AttendanceFactory(meeting=meeting, member=member, mark="A")


def test_a_member_over_the_attendance_limit_is_told_on_the_home_page(login, member, chapter):
    _absent(chapter, member, weeks=(1, 2, 3, 4))  # four, the chapter allows three
    html = home(login, member)
    assert "Over the limit</span> My attendance" in html
    assert "4 absences in the last 26 weeks; the chapter allows 3." in html
    assert "the membership committee will review your membership" in html
    assert f'href="{reverse("meetings:my_attendance")}"' in html


def test_a_member_one_absence_short_of_the_limit_is_warned(login, member, chapter):
    _absent(chapter, member, weeks=(1, 2))
    html = home(login, member)
    assert "Warning</span> My attendance" in html
    assert "2 absences in the last 26 weeks" in html
    assert "Two more would take you over the limit." in html


def test_a_member_in_good_standing_sees_no_attendance_notice(login, member, chapter):
    _absent(chapter, member, weeks=(1,))
    assert "My attendance</h2>" not in home(login, member)


def test_on_meeting_day_the_leaders_home_takes_attendance_in_one_tap(
    login, vice_president, member, chapter
):
    meeting = MeetingFactory(chapter=chapter, date=chapter.today())
    take = reverse("meetings:take_attendance", args=[meeting.pk])
    html = home(login, vice_president)
    assert f'<a class="button primary wide" href="{take}">Take attendance</a>' in html
    assert "Take attendance" not in home(login, member)  # the roster is the leaders'


def test_no_attendance_button_on_a_day_without_a_meeting(login, vice_president, chapter):
    MeetingFactory(chapter=chapter, date=chapter.today() + dt.timedelta(days=1))
    MeetingFactory(
        chapter=chapter, date=chapter.today(), cancelled=True, cancel_reason="Bank holiday"
    )
    assert "Take attendance" not in home(login, vice_president)


def test_done_is_offered_only_for_a_1_2_1_that_has_happened(login, member, other_member, chapter):
    today = chapter.today()
    later = OneToOneFactory(
        member_a=member, member_b=other_member, date=today + dt.timedelta(days=2), status="planned"
    )
    now = OneToOneFactory(member_a=member, member_b=other_member, date=today, status="planned")
    html = home(login, member)

    def buttons(one_to_one):
        action = reverse("referrals:one_to_one_status", args=[one_to_one.pk])
        start = html.index(f'action="{action}"')
        return html[start : html.index("</form>", start)]

    assert 'value="done"' not in buttons(later) and 'value="cancelled"' in buttons(later)
    assert 'value="done"' in buttons(now)


def test_money_is_grouped_in_the_chapters_currency(login, member, other_member, chapter):
    TyfcbFactory(writer=other_member, thanked=member, amount=Decimal("41461.96"))
    html = login(member).get(reverse("home")).text
    assert 'id="business-generated">41,461.96\xa0GBP<' in html  # no break inside an amount
    assert "41461.96" not in html


def test_small_edit_links_are_thumb_sized(login, member, other_member):
    OneToOneFactory(member_a=member, member_b=other_member)
    html = home(login, member)
    assert '<a class="touch" href="' in html and ">edit</a>" not in html
