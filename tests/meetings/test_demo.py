"""seed_demo's meetings part: believable, with the states the demo needs, and idempotent."""

import pytest
from django.core.management import call_command

from meetings.models import Attendance, Meeting, RotaPlace, Visit, Visitor
from meetings.policy import PolicyState, policy_states
from members.models import Chapter

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(
            Meeting.objects.order_by("date").values_list(
                "date", "cancelled", "cancel_reason", "presenter_id"
            )
        ),
        sorted(
            Attendance.objects.values_list("meeting__date", "member_id", "mark", "substitute_name")
        ),
        sorted(Visitor.objects.values_list("email", "status")),
        Visit.objects.count(),
        list(RotaPlace.objects.values_list("member_id", "position")),
    )


def test_seed_demo_builds_26_weeks_with_warning_and_over_and_is_idempotent():
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first

    chapter = Chapter.objects.get(slug="riverside-demo")
    today = chapter.today()
    past = Meeting.objects.filter(chapter=chapter, date__lt=today)
    assert past.count() == 26
    assert Meeting.objects.filter(chapter=chapter, date__gte=today).count() == 8
    assert past.filter(cancelled=True, cancel_reason="Bank holiday").count() == 1
    expected = sum(
        chapter.members.belonging_on(meeting.date).count()
        for meeting in past.filter(cancelled=False)
    )
    assert Attendance.objects.filter(meeting__chapter=chapter).count() == expected
    assert not Attendance.objects.filter(meeting__cancelled=True).exists()
    states = [s.state for s in policy_states(chapter, today).values()]
    assert states.count(PolicyState.OVER) == 1
    assert states.count(PolicyState.WARNING) >= 2
    assert {s for _, s in first[2]} == set(Visitor.Status.values)
    assert (
        Meeting.objects.filter(chapter=chapter, date__gte=today, presenter__isnull=False).count()
        == 8
    )
