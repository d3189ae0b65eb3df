"""The week: the vice-president submits it, which locks its slips; corrections are recorded."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings.weeks import week_bounds
from referrals.models import Referral, SlipCorrection, Tyfcb
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
