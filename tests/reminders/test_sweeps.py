"""When each reminder falls due, in each chapter's own time zone (the clock is moved)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reminders.models import Kind, ReminderLog, ReminderOptOut
from reminders.services import due_now, not_yet_recorded, run_sweeps
from tests.factories import (
    AttendanceFactory,
    ChapterFactory,
    MeetingFactory,
    MemberFactory,
    OneToOneFactory,
    ReferralFactory,
    RoleFactory,
    VisitFactory,
    VisitorFactory,
)

pytestmark = pytest.mark.django_db
LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


def at(year, month, day, hour, minute=0, tz=LONDON):
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


def due(kind, now):
    with time_machine.travel(now, tick=False):
        return [d for d in due_now(now, kinds=[kind])]


@pytest.fixture
def london():
    return ChapterFactory(slug="london", time_zone="Europe/London")


@pytest.fixture
def new_york():
    return ChapterFactory(slug="new-york", time_zone="America/New_York")


def test_one_to_one_is_due_24_hours_before_for_both_members(london):
    one = OneToOneFactory(
        member_a=MemberFactory(chapter=london), member_b=MemberFactory(chapter=london),
        date=dt.date(2026, 11, 25), time=dt.time(10, 0), status="planned",
    )  # fmt: skip
    assert due(Kind.ONE_TO_ONE, at(2026, 11, 24, 9, 59)) == []
    found = due(Kind.ONE_TO_ONE, at(2026, 11, 24, 10, 0))
    assert {d.recipient_id for d in found} == {one.member_a.user_id, one.member_b.user_id}
    assert due(Kind.ONE_TO_ONE, at(2026, 11, 25, 10, 0)) == []  # it has started


def test_one_to_one_reminder_uses_the_chapters_time_zone_across_a_dst_change(london, new_york):
    # London's clocks go back on 25 Oct 2026: 24 hours before 09:00 GMT is 10:00 BST.
    OneToOneFactory(
        member_a=MemberFactory(chapter=london), member_b=MemberFactory(chapter=london),
        date=dt.date(2026, 10, 25), time=dt.time(9, 0), status="planned",
    )  # fmt: skip
    assert due(Kind.ONE_TO_ONE, at(2026, 10, 24, 9, 59)) == []
    assert len(due(Kind.ONE_TO_ONE, at(2026, 10, 24, 10, 0))) == 2
    # New York's 09:00 is 14:00 in London: not due at London's 10:00 the day before.
    OneToOneFactory(
        member_a=MemberFactory(chapter=new_york), member_b=MemberFactory(chapter=new_york),
        date=dt.date(2026, 12, 2), time=dt.time(9, 0), status="planned",
    )  # fmt: skip
    assert due(Kind.ONE_TO_ONE, at(2026, 12, 1, 8, 59, NEW_YORK)) == []
    assert len(due(Kind.ONE_TO_ONE, at(2026, 12, 1, 9, 0, NEW_YORK))) == 2


def test_cancelled_or_done_one_to_ones_send_nothing(london):
    for status in ("cancelled", "done"):
        OneToOneFactory(
            member_a=MemberFactory(chapter=london), member_b=MemberFactory(chapter=london),
            date=dt.date(2026, 11, 25), time=dt.time(10, 0), status=status,
        )  # fmt: skip
    assert due(Kind.ONE_TO_ONE, at(2026, 11, 24, 12, 0)) == []


@pytest.mark.parametrize(
    ("chapter_tz", "tz"), [("Europe/London", LONDON), ("America/New_York", NEW_YORK)]
)
def test_missed_meeting_goes_out_the_morning_after_in_local_time(chapter_tz, tz):
    chapter = ChapterFactory(time_zone=chapter_tz)
    meeting = MeetingFactory(chapter=chapter, date=dt.date(2026, 11, 17))
    absent = AttendanceFactory(meeting=meeting, mark="A")
    AttendanceFactory(meeting=meeting, mark="P")
    assert due(Kind.MISSED_MEETING, at(2026, 11, 18, 7, 59, tz)) == []
    found = due(Kind.MISSED_MEETING, at(2026, 11, 18, 8, 0, tz))
    assert [d.recipient_id for d in found] == [absent.member.user_id]
    assert due(Kind.MISSED_MEETING, at(2026, 11, 19, 8, 0, tz)) == []  # only the morning after


def test_referral_waiting_is_due_after_7_days_once_per_week_and_stops_when_updated(london):
    with time_machine.travel(at(2026, 11, 1, 12), tick=False):
        referral = ReferralFactory(giver=MemberFactory(chapter=london),
                                   receiver=MemberFactory(chapter=london))  # fmt: skip
    assert due(Kind.REFERRAL_WAITING, at(2026, 11, 8, 11)) == []
    week_one = due(Kind.REFERRAL_WAITING, at(2026, 11, 8, 12))
    assert [d.recipient_id for d in week_one] == [referral.receiver.user_id]
    week_two = due(Kind.REFERRAL_WAITING, at(2026, 11, 15, 12))
    assert week_two[0].occurrence != week_one[0].occurrence
    referral.status = "contacted"
    referral.status_changed_at = at(2026, 11, 15, 13)
    referral.save()
    assert due(Kind.REFERRAL_WAITING, at(2026, 11, 16, 12)) == []


def test_meeting_eve_goes_to_every_member_the_evening_before(london):
    people = [MemberFactory(chapter=london) for _ in range(3)]
    MemberFactory(chapter=london, status="dropped", left_on=dt.date(2026, 11, 1))
    meeting = MeetingFactory(chapter=london, date=dt.date(2026, 11, 24))
    VisitFactory(visitor=VisitorFactory(chapter=london), meeting=meeting, attended=False)
    assert due(Kind.MEETING_EVE, at(2026, 11, 23, 16, 59)) == []
    found = due(Kind.MEETING_EVE, at(2026, 11, 23, 17, 0))
    assert {d.recipient_id for d in found} == {p.user_id for p in people}


def test_no_meeting_eve_for_a_cancelled_meeting(london):
    MemberFactory(chapter=london)
    MeetingFactory(chapter=london, date=dt.date(2026, 11, 24), cancelled=True,
                   cancel_reason="Holiday")  # fmt: skip
    assert due(Kind.MEETING_EVE, at(2026, 11, 23, 18, 0)) == []


def test_renewal_within_30_days_goes_to_the_member_and_the_secretary(london):
    secretary = MemberFactory(chapter=london, renewal_due=dt.date(2027, 6, 1))
    RoleFactory(member=secretary, name="secretary_treasurer")
    renewing = MemberFactory(chapter=london, renewal_due=dt.date(2026, 12, 20))
    MemberFactory(chapter=london, renewal_due=dt.date(2026, 12, 25))  # 32 days away
    found = due(Kind.RENEWAL, at(2026, 11, 23, 9))
    assert sorted(d.recipient_id for d in found) == sorted([renewing.user_id, secretary.user_id])


def test_a_member_who_switched_a_kind_off_gets_none(london):
    meeting = MeetingFactory(chapter=london, date=dt.date(2026, 11, 24))
    quiet = MemberFactory(chapter=london)
    MemberFactory(chapter=london)
    ReminderOptOut.objects.create(member=quiet, kind=Kind.MEETING_EVE)
    found = due(Kind.MEETING_EVE, at(2026, 11, 23, 18, 0))
    assert quiet.user_id not in {d.recipient_id for d in found}
    assert len(found) == 1
    assert meeting.pk == found[0].object_id


def test_running_the_sweeps_twice_records_each_reminder_once(
    london, django_capture_on_commit_callbacks
):
    MemberFactory(chapter=london)
    MeetingFactory(chapter=london, date=dt.date(2026, 11, 24))
    now = at(2026, 11, 23, 18, 0)
    with time_machine.travel(now, tick=False):
        assert len(not_yet_recorded(due_now(now))) == 1
        with django_capture_on_commit_callbacks(execute=False):
            run_sweeps(now)
            run_sweeps(now)
        assert ReminderLog.objects.count() == 1
        assert not_yet_recorded(due_now(now)) == []


def _absent(member, dates):
    for day in dates:
        AttendanceFactory(meeting=MeetingFactory(chapter=member.chapter, date=day), member=member,
                          mark="A")  # fmt: skip


def test_policy_warning_goes_to_the_member_and_over_goes_to_the_committee(london):
    tuesdays = [dt.date(2026, 11, 17) - dt.timedelta(weeks=w) for w in range(4)]
    warned = MemberFactory(chapter=london)
    _absent(warned, tuesdays[:2])  # 2 of 3: warning
    over = MemberFactory(chapter=london)
    _absent(over, tuesdays)  # 4 of 3: over
    committee = MemberFactory(chapter=london)
    RoleFactory(member=committee, name="membership_committee")
    vice_president = MemberFactory(chapter=london)
    RoleFactory(member=vice_president, name="vice_president")
    found = due(Kind.POLICY, at(2026, 11, 18, 9))
    notices = {(d.kind, d.object_id, d.recipient_id) for d in found}
    assert notices == {
        (Kind.POLICY, warned.pk, warned.user_id),
        (Kind.POLICY_OVER, over.pk, committee.user_id),
        (Kind.POLICY_OVER, over.pk, vice_president.user_id),
    }


def test_send_due_reminders_dry_run_lists_and_records_nothing(london):
    from io import StringIO

    from django.core.management import call_command

    MemberFactory(chapter=london)
    MeetingFactory(chapter=london, date=dt.date(2026, 11, 24))
    out = StringIO()
    with time_machine.travel(at(2026, 11, 23, 18, 0), tick=False):
        call_command("send_due_reminders", "--dry-run", stdout=out)
    assert "meeting_eve" in out.getvalue()
    assert "1 reminder(s) would be sent." in out.getvalue()
    assert ReminderLog.objects.count() == 0
