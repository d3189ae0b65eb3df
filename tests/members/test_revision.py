"""The chapter's revision moves with every write a report reads, whatever does the writing.

These run on the database under test (SQLite locally, PostgreSQL in CI): the triggers are
written once per vendor and both must keep the promise the cached pages rely on.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import F

from meetings import models as meetings
from meetings.models import Attendance, Meeting
from members.models import Chapter, Member, Role
from referrals import models as slips
from referrals.models import Referral, Tyfcb
from tests import factories as f

pytestmark = pytest.mark.django_db


def revision(chapter: Chapter) -> int:
    return Chapter.objects.values_list("revision", flat=True).get(pk=chapter.pk)


@pytest.fixture
def two():
    """A chapter with two members and a meeting, and a bystander chapter that must not move."""
    here = f.ChapterFactory()
    a, b = f.MemberFactory(chapter=here), f.MemberFactory(chapter=here)
    return SimpleNamespace(
        here=here, a=a, b=b, meeting=f.MeetingFactory(chapter=here),
        elsewhere=f.MemberFactory().chapter,
    )  # fmt: skip


def moved(here, elsewhere, write) -> bool:
    before, other = revision(here), revision(elsewhere)
    write()
    assert revision(elsewhere) == other, "another chapter's revision moved"
    return revision(here) > before


def test_a_new_chapter_starts_at_a_timestamp_not_zero():
    """Two databases sharing one cache never hand out the same (chapter, revision) pair."""
    chapter = f.ChapterFactory()
    assert revision(chapter) > 1_700_000_000 * 10**6  # microseconds since 2023


SLIPS = {
    "referral": lambda a, b, m: f.ReferralFactory(giver=a, receiver=b, chapter=a.chapter),
    "tyfcb": lambda a, b, m: f.TyfcbFactory(writer=a, thanked=b, chapter=a.chapter),
    "one-to-one": lambda a, b, m: f.OneToOneFactory(member_a=a, member_b=b, chapter=a.chapter),
    "ceu": lambda a, b, m: f.CeuFactory(member=a, chapter=a.chapter),
    "testimonial": lambda a, b, m: f.TestimonialFactory(giver=a, receiver=b, chapter=a.chapter),
    "attendance": lambda a, b, m: f.AttendanceFactory(meeting=m, member=a),
    "visitor": lambda a, b, m: f.VisitorFactory(chapter=a.chapter),
    "visit": lambda a, b, m: f.VisitFactory(visitor=f.VisitorFactory(chapter=a.chapter), meeting=m),
    "role": lambda a, b, m: f.RoleFactory(member=a),
    "member": lambda a, b, m: f.MemberFactory(chapter=a.chapter),
    "meeting": lambda a, b, m: f.MeetingFactory(chapter=a.chapter, date=dt.date(2026, 11, 24)),
}


@pytest.mark.parametrize("kind", SLIPS)
def test_insert_update_and_delete_of_each_tracked_row_move_only_its_chapter(two, kind):
    here, a, b, meeting, elsewhere = two.here, two.a, two.b, two.meeting, two.elsewhere
    row = None

    def create():
        nonlocal row
        row = SLIPS[kind](a, b, meeting)

    assert moved(here, elsewhere, create)
    assert moved(here, elsewhere, lambda: type(row).objects.filter(pk=row.pk).update(id=F("id")))
    if kind == "member":  # members are protected by their user; a new one can still go
        assert moved(here, elsewhere, lambda: Member.objects.filter(pk=row.pk).delete())
    elif kind == "meeting":
        assert moved(here, elsewhere, lambda: Meeting.objects.filter(pk=row.pk).delete())
    else:
        assert moved(here, elsewhere, row.delete)


def test_bulk_writes_and_raw_sql_move_it_too(two):
    """The admin's bulk actions, the importer and hand-written SQL are covered alike."""
    here, a, b, elsewhere = two.here, two.a, two.b, two.elsewhere
    today = dt.date(2026, 11, 17)
    new = [
        Referral(chapter=here, giver=a, receiver=b, date=today, contact_name="X", need="Y")
        for _ in range(5)
    ]
    assert moved(here, elsewhere, lambda: Referral.objects.bulk_create(new))
    assert moved(
        here, elsewhere, lambda: Referral.objects.filter(chapter=here).update(need="Windows")
    )

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Tyfcb._meta.db_table} SET amount = %s WHERE chapter_id = %s",
                [Decimal("1.00"), here.pk],
            )

    f.TyfcbFactory(writer=a, thanked=b, chapter=here)
    assert moved(here, elsewhere, raw)
    assert moved(here, elsewhere, lambda: Referral.objects.filter(chapter=here).delete())


def test_a_statement_that_touches_no_row_of_the_chapter_leaves_it(two):
    here, elsewhere = two.here, two.elsewhere
    assert not moved(here, elsewhere, lambda: Referral.objects.filter(pk=-1).update(need="Z"))
    assert not moved(here, elsewhere, lambda: Attendance.objects.filter(pk=-1).delete())


def test_a_member_moving_chapter_moves_both(two):
    here, a, elsewhere = two.here, two.a, two.elsewhere
    before_here, before_there = revision(here), revision(elsewhere)
    Member.objects.filter(pk=a.pk).update(chapter=elsewhere)
    assert revision(here) > before_here
    assert revision(elsewhere) > before_there


def test_a_users_name_moves_it_and_a_login_does_not(two):
    here, a = two.here, two.a
    user = a.user
    before = revision(here)
    user.last_login = dt.datetime(2026, 11, 23, 7, tzinfo=dt.UTC)
    user.save(update_fields=["last_login"])
    assert revision(here) == before
    user.first_name = "Renamed"
    user.save()
    assert revision(here) > before


def test_saving_a_stale_chapter_never_moves_it_back(two):
    """The admin saves the settings from a copy read before a slip was logged."""
    here, a, b = two.here, two.a, two.b
    stale = Chapter.objects.get(pk=here.pk)
    f.ReferralFactory(giver=a, receiver=b, chapter=here)
    logged = revision(here)
    assert stale.revision < logged
    stale.venue = "The new venue"
    stale.save()
    assert revision(here) > logged


def test_every_tracked_kind_is_covered():
    """A new model that reports read goes into ``triggers.revision.TRACKED`` and a migration."""
    tracked = {slips.Referral, slips.Tyfcb, slips.OneToOne, slips.Ceu, slips.Testimonial,
               meetings.Attendance, meetings.Visitor, meetings.Visit, meetings.Meeting, Role,
               Member}  # fmt: skip
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT event_object_table FROM information_schema.triggers "
                "WHERE trigger_name LIKE 'slipstream_revision_%%'"
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE 'slipstream_revision_%'"
            )
        tables = {name for (name,) in cursor.fetchall()}
    assert {m._meta.db_table for m in tracked} | {
        "members_user",
        "members_memberstatuschange",
        "members_classification",
        "members_contactsphere",
        "members_chapter",
    } == tables


def test_renaming_a_trade_or_its_sphere_moves_the_chapters_that_hold_it(two):
    """The directory shows both names; the bystander holds another trade."""
    here, a, elsewhere = two.here, two.a, two.elsewhere
    trade = a.classification
    trade.name = "Plumbing and heating"
    assert moved(here, elsewhere, trade.save)
    sphere = trade.sphere
    sphere.name = "Home and garden"
    assert moved(here, elsewhere, sphere.save)


def roster_revision(chapter: Chapter) -> int:
    return Chapter.objects.values_list("roster_revision", flat=True).get(pk=chapter.pk)


#: The kinds of row that make the roster: they move the roster revision too.
ROSTER_KINDS = {"role", "member"}


@pytest.mark.parametrize("kind", SLIPS)
def test_the_roster_revision_moves_with_the_roster_and_stays_with_a_slip_or_mark(two, kind):
    """A meeting's slips and marks leave the roster's revision (the slip form stays kept);
    a new member or role moves it."""
    here, a, b, meeting = two.here, two.a, two.b, two.meeting
    before, revision_before = roster_revision(here), revision(here)
    SLIPS[kind](a, b, meeting)
    assert revision(here) > revision_before
    assert (roster_revision(here) > before) == (kind in ROSTER_KINDS)


def test_a_name_a_trade_a_status_and_the_chapters_settings_move_the_roster_revision(two):
    here, a, elsewhere = two.here, two.a, two.elsewhere
    steps = [
        lambda: Member.objects.filter(pk=a.pk).update(company="Renamed Ltd"),
        lambda: type(a.user).objects.filter(pk=a.user.pk).update(first_name="Renamed"),
        lambda: type(a.classification).objects.filter(pk=a.classification_id).update(name="Z"),
        lambda: Chapter.objects.filter(pk=here.pk).update(currency="EUR"),
        lambda: Chapter.objects.filter(pk=here.pk).update(decimal_mark=","),
    ]
    for step in steps:
        before, other = roster_revision(here), roster_revision(elsewhere)
        step()
        assert roster_revision(here) > before
        assert roster_revision(elsewhere) == other


def test_a_login_and_a_stale_chapter_copy_never_move_the_roster_revision_back(two):
    here, a = two.here, two.a
    before = roster_revision(here)
    a.user.last_login = dt.datetime(2026, 11, 23, 7, tzinfo=dt.UTC)
    a.user.save(update_fields=["last_login"])
    assert roster_revision(here) == before
    stale = Chapter.objects.get(pk=here.pk)
    f.MemberFactory(chapter=here)
    added = roster_revision(here)
    stale.venue = "The new venue"
    stale.save()
    assert roster_revision(here) > added
