"""The attendance policy of DOMAIN.md, at every boundary, computed in SQL."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings.models import Attendance, Meeting
from meetings.policy import PolicyState, absences_in_window, policy_state, policy_states
from tests.factories import AttendanceFactory, ChapterFactory, MemberFactory

from .conftest import AS_OF, weekly_meetings

pytestmark = pytest.mark.django_db


def mark_all(member, meetings, marks):
    """Give ``member`` the marks (a string such as "PPAM") at the last len(marks) meetings."""
    for meeting, mark in zip(meetings[-len(marks) :], marks, strict=True):
        AttendanceFactory(
            meeting=meeting,
            member=member,
            mark=mark,
            substitute_name="Sub" if mark == "S" else "",
        )


@pytest.mark.parametrize(
    ("absences", "state"),
    [
        (0, PolicyState.OK),
        (1, PolicyState.OK),  # limit − 2
        (2, PolicyState.WARNING),  # limit − 1
        (3, PolicyState.AT_LIMIT),  # limit
        (4, PolicyState.OVER),  # limit + 1
    ],
)
def test_policy_state_at_each_number_of_absences(chapter, member, absences, state):
    meetings = weekly_meetings(chapter)
    mark_all(member, meetings, "A" * absences + "P" * (10 - absences))
    status = policy_state(member, AS_OF)
    assert status.state == state
    assert status.absences == absences == absences_in_window(member, AS_OF)
    assert status.limit == 3
    assert status.absence_dates == [m.date for m in meetings[-10:][:absences]]


def test_the_limit_is_the_chapters(chapter, member):
    chapter.absence_limit = 5
    chapter.save()
    meetings = weekly_meetings(chapter)
    mark_all(member, meetings, "AAAA")
    assert policy_state(member, AS_OF).state == PolicyState.WARNING


def test_late_substitute_and_present_are_not_absences(chapter, member):
    meetings = weekly_meetings(chapter)
    mark_all(member, meetings, "PLSLSP")
    assert absences_in_window(member, AS_OF) == 0


def test_window_is_the_26_weeks_ending_on_as_of(chapter, member):
    """The meeting 26 weeks before as_of is outside, the one 25 weeks before is inside."""
    meetings = {m.date: m for m in weekly_meetings(chapter)}
    outside = AS_OF - dt.timedelta(weeks=26)
    inside = AS_OF - dt.timedelta(weeks=25)
    AttendanceFactory(meeting=meetings[outside], member=member, mark="A")
    AttendanceFactory(meeting=meetings[inside], member=member, mark="A")
    AttendanceFactory(meeting=meetings[AS_OF], member=member, mark="A")
    assert policy_state(member, AS_OF).absence_dates == [inside, AS_OF]
    # A day earlier, the meeting on as_of itself is in the future: not counted.
    assert absences_in_window(member, AS_OF - dt.timedelta(days=1)) == 2


def test_medical_inside_the_allowance_is_excused(chapter, member):
    meetings = weekly_meetings(chapter)
    mark_all(member, meetings, "M" * 8)
    assert policy_state(member, AS_OF).state == PolicyState.OK
    assert absences_in_window(member, AS_OF) == 0


def test_medical_beyond_the_allowance_counts_from_the_ninth_week(chapter, member):
    meetings = weekly_meetings(chapter)
    mark_all(member, meetings, "M" * 10)
    status = policy_state(member, AS_OF)
    assert status.absences == 2
    assert status.absence_dates == [meetings[-2].date, meetings[-1].date]
    assert status.state == PolicyState.WARNING


def test_a_present_week_ends_a_medical_streak(chapter, member):
    meetings = weekly_meetings(chapter)
    mark_all(member, meetings, "M" * 8 + "P" + "M" * 8)
    assert absences_in_window(member, AS_OF) == 0


def test_an_absence_also_ends_a_medical_streak(chapter, member):
    meetings = weekly_meetings(chapter)
    mark_all(member, meetings, "M" * 8 + "A" + "M" * 8)
    assert absences_in_window(member, AS_OF) == 1


def test_a_cancelled_week_does_not_break_a_medical_streak(chapter, member):
    meetings = weekly_meetings(chapter)
    mark_all(member, meetings, "M" * 9)
    Meeting.objects.filter(pk=meetings[-5].pk).update(cancelled=True, cancel_reason="Holiday")
    # Nine M marks, one of them at a cancelled meeting: eight held weeks in a row, all excused.
    assert absences_in_window(member, AS_OF) == 0
    AttendanceFactory(meeting=meetings[-10], member=member, mark="M")
    assert absences_in_window(member, AS_OF) == 1


def test_a_medical_streak_begun_before_the_window_still_uses_up_the_allowance(chapter, member):
    meetings = weekly_meetings(chapter, weeks=34)
    # Twelve M weeks ending 22 weeks before as_of: the first six are before the window.
    streak_end = len(meetings) - 1 - 22
    for meeting in meetings[streak_end - 11 : streak_end + 1]:
        AttendanceFactory(meeting=meeting, member=member, mark="M")
    status = policy_state(member, AS_OF)
    assert status.absences == 4
    assert status.absence_dates == [m.date for m in meetings[streak_end - 3 : streak_end + 1]]


def test_cancelled_meetings_count_for_nothing(chapter, member):
    meetings = weekly_meetings(chapter)
    mark_all(member, meetings, "AAA")
    Meeting.objects.filter(pk=meetings[-1].pk).update(cancelled=True, cancel_reason="Holiday")
    assert absences_in_window(member, AS_OF) == 2


def test_a_member_who_joined_mid_window_counts_only_from_joining(chapter):
    meetings = weekly_meetings(chapter)
    newcomer = MemberFactory(chapter=chapter, joined_on=meetings[-5].date)
    # Marks from before they joined (say, imported by mistake) do not count.
    mark_all(newcomer, meetings, "AAAAA" + "AP" + "PPP")
    status = policy_state(newcomer, AS_OF)
    assert status.absences == 1
    assert status.absence_dates == [meetings[-5].date]


def test_a_dropped_member_counts_until_their_last_day(chapter):
    meetings = weekly_meetings(chapter)
    leaver = MemberFactory(chapter=chapter, status="dropped", left_on=meetings[-4].date)
    mark_all(leaver, meetings, "AAAAA")
    status = policy_state(leaver, AS_OF)
    assert status.absences == 2
    assert status.state == PolicyState.WARNING
    assert leaver.pk in policy_states(chapter, AS_OF)


def test_a_member_on_leave_is_excused_for_the_allowance_then_counted(chapter):
    meetings = weekly_meetings(chapter)
    resting = MemberFactory(chapter=chapter, status="on_leave", leave_from=meetings[-11].date)
    mark_all(resting, meetings, "M" * 11)
    status = policy_state(resting, AS_OF)
    assert status.absences == 3
    assert status.state == PolicyState.AT_LIMIT


def test_the_medical_allowance_is_the_chapters(chapter, member):
    chapter.medical_allowance_weeks = 2
    chapter.save()
    meetings = weekly_meetings(chapter)
    mark_all(member, meetings, "MMM")
    assert absences_in_window(member, AS_OF) == 1


def test_policy_states_covers_the_chapter_in_two_queries(
    chapter, member, other_member, outsider, django_assert_num_queries
):
    meetings = weekly_meetings(chapter)
    mark_all(member, meetings, "AAAA")
    mark_all(other_member, meetings, "APAP")
    for meeting in weekly_meetings(outsider.chapter)[-5:]:
        AttendanceFactory(meeting=meeting, member=outsider, mark="A")
    with django_assert_num_queries(2):
        states = policy_states(chapter, AS_OF)
    assert set(states) == {member.pk, other_member.pk}
    assert states[member.pk].state == PolicyState.OVER
    assert states[other_member.pk].state == PolicyState.WARNING


def _reference_absences(marks: str, cancelled: set[int], allowance: int, window: int) -> int:
    """The rule as a person would apply it, week by week, for comparison with the SQL."""
    streak = 0
    counted = 0
    for index, mark in enumerate(marks):
        if index in cancelled or mark == ".":
            if index not in cancelled:
                streak = 0
            continue
        streak = streak + 1 if mark == "M" else 0
        in_window = index >= len(marks) - window
        if in_window and (mark == "A" or (mark == "M" and streak > allowance)):
            counted += 1
    return counted


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    marks=st.text(alphabet="PALMMMS.", min_size=30, max_size=30),
    cancelled=st.sets(st.integers(min_value=0, max_value=29), max_size=4),
    allowance=st.integers(min_value=0, max_value=4),
)
def test_sql_policy_matches_the_rule_applied_by_hand(db, marks, cancelled, allowance):
    chapter = ChapterFactory(medical_allowance_weeks=allowance)
    member = MemberFactory(chapter=chapter)
    meetings = weekly_meetings(chapter)
    Meeting.objects.filter(pk__in=[meetings[i].pk for i in cancelled]).update(
        cancelled=True, cancel_reason="Holiday"
    )
    Attendance.objects.bulk_create(
        Attendance(meeting=m, member=member, mark=mark, substitute_name="Sub")
        for m, mark in zip(meetings, marks, strict=True)
        if mark != "."
    )
    expected = _reference_absences(marks, cancelled, allowance, window=26)
    assert absences_in_window(member, AS_OF) == expected
