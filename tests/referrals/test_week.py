"""The week: the vice-president submits it, which locks its slips; corrections are recorded."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from meetings.weeks import open_date_for, week_bounds, week_ending
from referrals import models as slips
from referrals.models import OneToOne, Referral, SlipCorrection, Tyfcb
from referrals.selectors import LATEST_SUBMITTED, slip_member
from referrals.services import referral_create, week_submit
from tests.factories import (
    AttendanceFactory,
    CeuFactory,
    MeetingFactory,
    ReferralFactory,
    TyfcbFactory,
)

pytestmark = pytest.mark.django_db

WEEK = reverse("referrals:submit_week")


def edit_url(kind, slip):
    return reverse("referrals:slip_edit", args=[kind, slip.pk])


def referral_post(slip, **extra):
    data = {
        "receiver": slip.receiver_id,
        "date": slip.date.isoformat(),
        "kind": slip.kind,
        "contact_name": slip.contact_name,
        "temperature": str(slip.temperature),
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("who", ["member", "secretary", "membership_committee"])
def test_submit_week_is_for_the_vice_president_and_president_only(login, request, who):
    assert login(request.getfixturevalue(who)).get(WEEK).status_code == 403


def test_outsider_vice_president_cannot_submit_our_meeting(login, last_meeting, outsider):
    from tests.factories import RoleFactory

    RoleFactory(member=outsider, name="vice_president")
    response = login(outsider).post(WEEK, {"meeting": last_meeting.pk})
    assert response.status_code == 404
    last_meeting.refresh_from_db()
    assert not last_meeting.is_submitted


def test_week_page_lists_slips_attendance_and_amounts(
    login, last_meeting, member, other_member, vice_president
):
    day = last_meeting.date
    ReferralFactory(giver=member, receiver=other_member, date=day, contact_name="Hannah Price")
    TyfcbFactory(writer=member, thanked=other_member, date=day, amount=Decimal("987.65"))
    CeuFactory(member=member, date=day, topic="Givers Gain podcast")
    AttendanceFactory(meeting=last_meeting, member=member, mark="A")
    ReferralFactory(
        giver=member, receiver=other_member, date=day - dt.timedelta(days=7), contact_name="Old"
    )
    response = login(vice_president).get(WEEK)
    assert response.context["meeting"] == last_meeting  # the latest one not yet submitted
    html = response.content.decode()
    assert "Hannah Price" in html and "987.65" in html and "Givers Gain podcast" in html
    assert "A: 1" in html
    assert ">Old<" not in html
    assert "Submit the week" in html


def test_vice_president_submits_the_week(login, last_meeting, vice_president):
    response = login(vice_president).post(WEEK, {"meeting": last_meeting.pk}, follow=True)
    last_meeting.refresh_from_db()
    assert last_meeting.submitted_by == vice_president.user
    assert last_meeting.submitted_at is not None
    assert "is submitted" in response.content.decode()


def test_a_week_is_submitted_once(last_meeting, vice_president):
    week_submit(meeting=last_meeting, by=vice_president)
    with pytest.raises(ValidationError, match="already been submitted"):
        week_submit(meeting=last_meeting, by=vice_president)


def test_a_future_meeting_cannot_be_submitted(chapter, today, vice_president):
    meeting = MeetingFactory(chapter=chapter, date=today + dt.timedelta(days=7))
    with pytest.raises(ValidationError, match="not happened yet"):
        week_submit(meeting=meeting, by=vice_president)


def test_member_edits_own_slip_while_the_week_is_open(login, last_meeting, member, other_member):
    slip = ReferralFactory(giver=member, receiver=other_member, date=last_meeting.date)
    response = login(member).post(
        edit_url("referral", slip), referral_post(slip, contact_name="Grace Oduya")
    )
    assert response.status_code == 302
    slip.refresh_from_db()
    assert slip.contact_name == "Grace Oduya"
    assert not SlipCorrection.objects.exists()  # an owner's edit in an open week is no correction


def test_editing_a_slip_of_a_submitted_week_is_refused(
    login, submitted_meeting, member, other_member
):
    slip = ReferralFactory(
        giver=member, receiver=other_member, date=submitted_meeting.date, contact_name="Old"
    )
    client = login(member)
    page = client.get(edit_url("referral", slip)).content.decode()
    assert "has been submitted, so this slip is locked" in page
    response = client.post(edit_url("referral", slip), referral_post(slip, contact_name="New"))
    assert "has been submitted, so this slip is locked" in response.content.decode()
    assert response.context["form"].non_field_errors()
    slip.refresh_from_db()
    assert slip.contact_name == "Old"


def test_deleting_a_slip_of_a_submitted_week_is_refused(
    login, submitted_meeting, member, other_member
):
    slip = TyfcbFactory(writer=member, thanked=other_member, date=submitted_meeting.date)
    response = login(member).post(reverse("referrals:slip_delete", args=["tyfcb", slip.pk]))
    assert "locked" in response.content.decode()
    assert Tyfcb.objects.filter(pk=slip.pk).exists()


def test_member_deletes_own_slip_while_the_week_is_open(login, member, other_member):
    slip = TyfcbFactory(writer=member, thanked=other_member)
    response = login(member).post(reverse("referrals:slip_delete", args=["tyfcb", slip.pk]))
    assert response.status_code == 302
    assert not Tyfcb.objects.exists()


def test_vice_president_correction_is_recorded_and_shown(
    login, submitted_meeting, member, other_member, vice_president
):
    slip = TyfcbFactory(
        writer=member, thanked=other_member, date=submitted_meeting.date, amount=Decimal("100")
    )
    client = login(vice_president)
    response = client.post(
        edit_url("tyfcb", slip),
        {
            "thanked": other_member.pk,
            "date": slip.date.isoformat(),
            "amount": "1000.00",
            "business": "new",
        },
    )
    assert response.status_code == 302
    slip.refresh_from_db()
    assert slip.amount == Decimal("1000.00")
    correction = SlipCorrection.objects.get()
    assert correction.corrected_by == vice_president.user
    assert correction.changes == {"amount": ["100.00", "1000.00"]}
    assert (correction.kind, correction.slip_id) == ("tyfcb", slip.pk)
    html = client.get(f"{WEEK}?meeting={submitted_meeting.pk}").content.decode()
    assert "amount: 100.00 → 1000.00" in html
    assert "Submitted" in html


def test_vice_president_deletion_after_submission_is_recorded(
    login, submitted_meeting, member, other_member, vice_president
):
    slip = ReferralFactory(giver=member, receiver=other_member, date=submitted_meeting.date)
    login(vice_president).post(reverse("referrals:slip_delete", args=["referral", slip.pk]))
    assert not Referral.objects.exists()
    assert SlipCorrection.objects.get().action == "deleted"


def test_slip_logged_after_its_week_was_submitted_is_dated_into_the_next_open_week(
    submitted_meeting, chapter, member, other_member
):
    referral = referral_create(
        giver=member, receiver=other_member, date=submitted_meeting.date, contact_name="Late"
    )
    start, end = week_bounds(chapter, submitted_meeting.date + dt.timedelta(days=7))
    assert referral.date == start
    assert end == submitted_meeting.date + dt.timedelta(days=7)


def test_late_slip_through_the_form_says_it_was_moved(
    login, submitted_meeting, member, other_member
):
    response = login(member).post(
        f"{reverse('referrals:log_slip')}?kind=referral",
        {
            "token": "late",
            "receiver": other_member.pk,
            "date": submitted_meeting.date.isoformat(),
            "kind": "inside",
            "contact_name": "Late",
            "temperature": "1",
        },
        follow=True,
    )
    assert "dated into the next open week" in response.content.decode()
    assert Referral.objects.get().date == submitted_meeting.date + dt.timedelta(days=1)


def test_member_cannot_move_a_slip_into_a_submitted_week(
    login, submitted_meeting, member, other_member, today
):
    slip = ReferralFactory(giver=member, receiver=other_member, date=today)
    response = login(member).post(
        edit_url("referral", slip), referral_post(slip, date=submitted_meeting.date.isoformat())
    )
    assert response.context["form"].errors["date"] == [
        "That week has been submitted: pick a date in an open week."
    ]
    slip.refresh_from_db()
    assert slip.date == today


# --- The week's lock, read with the other member --------------------------------------------

SLIP_POSTS = {
    "referral": lambda other: {"receiver": other.pk, "kind": "inside", "contact_name": "Lock",
                               "temperature": "1"},
    "tyfcb": lambda other: {"thanked": other.pk, "amount": "100", "business": "new"},
    "one_to_one": lambda other: {"other": other.pk, "status": "planned"},
    "testimonial": lambda other: {"receiver": other.pk, "text": "Great"},
}  # fmt: skip
SLIP_MODELS = {"referral": Referral, "tyfcb": Tyfcb, "one_to_one": OneToOne,
               "testimonial": slips.Testimonial}  # fmt: skip


def _log(client, kind, other, day):
    data = {"token": f"lock-{kind}-{day}", "date": day.isoformat(), **SLIP_POSTS[kind](other)}
    return client.post(f"{reverse('referrals:log_slip')}?kind={kind}", data)


@pytest.mark.parametrize("kind", SLIP_POSTS)
def test_a_slip_in_an_open_week_asks_no_query_for_the_lock(
    login, submitted_meeting, member, other_member, today, kind
):
    """The form reads the other member with the chapter's latest submitted meeting: a week
    after it is open without a query of its own; the slip keeps its date."""
    client = login(member)
    with CaptureQueriesContext(connection) as queries:
        response = _log(client, kind, other_member, today)
    assert response.status_code == 302
    assert SLIP_MODELS[kind].objects.get().date == today
    lock_reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "meetings_meeting"')]
    assert lock_reads == []


@pytest.mark.parametrize("kind", SLIP_POSTS)
def test_a_slip_logged_into_weeks_submitted_one_after_another_moves_past_them(
    login, chapter, member, other_member, today, kind
):
    end = week_ending(chapter, today) - dt.timedelta(days=14)
    for date in (end - dt.timedelta(days=7), end):
        MeetingFactory(chapter=chapter, date=date, submitted_at=timezone.now())
    response = _log(login(member), kind, other_member, end - dt.timedelta(days=9))
    assert response.status_code == 302
    assert SLIP_MODELS[kind].objects.get().date == end + dt.timedelta(days=1)


def test_an_open_week_before_the_latest_submitted_one_keeps_its_slips_date(
    login, chapter, member, other_member, today
):
    """A week the vice-president skipped stays open although a later one is submitted."""
    end = week_ending(chapter, today) - dt.timedelta(days=7)
    MeetingFactory(chapter=chapter, date=end - dt.timedelta(days=7))  # open
    MeetingFactory(chapter=chapter, date=end, submitted_at=timezone.now())
    skipped = end - dt.timedelta(days=9)
    assert _log(login(member), "referral", other_member, skipped).status_code == 302
    assert Referral.objects.get().date == skipped


def test_the_lock_read_with_the_member_answers_as_the_lock_asked_alone(chapter, other_member):
    """For random sets of submitted weeks, every day of ten weeks: the date ``open_date_for``
    gives with the latest submitted meeting read beside the member (``slip_member``) is the
    date it gives asking the database itself."""
    rng = random.Random(20261202)
    first_end = week_ending(chapter, chapter.today()) - dt.timedelta(weeks=8)
    meetings = [
        MeetingFactory(chapter=chapter, date=first_end + dt.timedelta(weeks=w)) for w in range(8)
    ]
    days = [first_end - dt.timedelta(days=6) + dt.timedelta(days=d) for d in range(70)]
    for _ in range(12):
        submitted = [m.pk for m in meetings if rng.random() < 0.5]
        Meeting.objects.update(submitted_at=None)
        Meeting.objects.filter(pk__in=submitted).update(submitted_at=timezone.now())
        read = slip_member(chapter.pk, other_member.pk)
        latest = getattr(read, LATEST_SUBMITTED)
        assert latest == max((m.date for m in meetings if m.pk in submitted), default=None)
        for day in days:
            assert open_date_for(chapter, day, latest) == open_date_for(chapter, day), day
