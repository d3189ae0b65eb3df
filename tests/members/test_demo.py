"""seed_demo builds a realistic chapter, and running it again changes nothing."""

import datetime as dt

import pytest
from django.core.management import call_command

from members.models import Classification, ContactSphere, Invitation, Member, Role

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        Member.objects.count(),
        Role.objects.count(),
        Invitation.objects.count(),
        sorted(Member.objects.values_list("user__email", "status", "joined_on", "renewal_due")),
    )


def test_demo_chapter_is_a_living_chapter_and_seeding_twice_changes_nothing():
    call_command("seed_demo")
    chapter = Member.objects.get(user__email="president@demo.slipstream.test").chapter
    today = chapter.today()
    members = Member.objects.filter(chapter=chapter)

    assert 28 <= members.count() <= 32
    seated = members.filter(status__in=Member.SEATED)
    assert seated.values("classification").distinct().count() == seated.count() >= 25
    assert (
        ContactSphere.objects.filter(classifications__members__chapter=chapter).distinct().count()
        == 6
    )
    held = set(
        Role.objects.current(today).filter(member__chapter=chapter).values_list("name", flat=True)
    )
    assert held == {value for value, _ in Role.Name.choices}
    assert members.filter(status=Member.Status.APPLICANT).count() == 1
    on_leave = members.get(status=Member.Status.ON_LEAVE)
    assert on_leave.leave_from <= today <= on_leave.leave_until
    dropped = members.get(status=Member.Status.DROPPED)
    assert dropped.left_on < today
    # The dropped member's trade is held again by someone else.
    assert seated.filter(classification=dropped.classification).exists()
    soon = seated.filter(renewal_due__range=(today, today + dt.timedelta(days=30)))
    assert soon.count() >= 2
    joined = sorted(members.values_list("joined_on", flat=True))
    assert today - joined[0] >= dt.timedelta(days=600)
    assert Invitation.objects.open().filter(chapter=chapter).count() == 1
    assert Classification.objects.count() >= 25

    before = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == before
