"""The weekly rollup (reports.rollup) stays equal to a recount through every kind of write, and
a region's PALMS read through it equals PALMS counted the long way. PostgreSQL keeps it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings.models import Attendance, Meeting, Visit
from members.importing import ImportFailed, import_directory
from members.models import Member
from referrals import models as slips
from referrals.models import Ceu, OneToOne, Referral, Tyfcb
from reports import rollup
from reports.palms import _periods, palms_rows
from tests import factories as f
from tests.imports.generate import write_chapter
from tests.reports.test_palms_property import (
    DAYS,
    OUTSIDE,
    assert_palms_of_every_chapter_and_the_region,
    build,
    day,
    history,
    recount,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SLIP_MODELS = [Referral, Tyfcb, OneToOne, Ceu, slips.Testimonial]

change = st.one_of(
    st.tuples(st.just("cancel"), st.integers(0, 9)),
    st.tuples(st.just("move"), st.integers(0, 9), st.integers(-3, 3)),
    st.tuples(st.just("mark"), st.integers(0, 40), st.sampled_from("PALM")),
    st.tuples(st.just("visit"), st.integers(0, 10)),
    st.tuples(st.just("status"), st.integers(0, 10), st.sampled_from(["done", "planned"])),
    st.tuples(st.just("kind"), st.integers(0, 12)),
    st.tuples(st.just("redate"), st.integers(0, 4), st.integers(0, 12), st.integers(-9, 9)),
    st.tuples(st.just("amount"), st.integers(0, 8), st.integers(1, 5000)),
    st.tuples(st.just("delete"), st.integers(0, 4), st.integers(0, 12)),
    st.tuples(st.just("bulk"), st.integers(-4, 4)),
    st.tuples(st.just("drop member"), st.integers(0, 5)),
    # A side of a slip changes between a member and someone outside Slipstream.
    st.tuples(st.just("giver leaves"), st.integers(0, 12)),
    st.tuples(st.just("giver named"), st.integers(0, 12), st.integers(0, 7)),
    st.tuples(st.just("writer unknown"), st.integers(0, 8)),
    st.tuples(st.just("thanked named"), st.integers(0, 8), st.integers(0, 7)),
    st.tuples(st.just("partner leaves"), st.integers(0, 8)),
)

NOBODY_OUTSIDE = {"other_name": "", "other_chapter_name": ""}


def nth(queryset, i):
    rows = list(queryset.order_by("pk"))
    return rows[i % len(rows)] if rows else None


def apply(chapter, step) -> None:
    """One write of the kind a chapter makes: through the ORM, in bulk, or cascading. The
    slips are any chapter's: a slip across the line moves two chapters' counts."""
    what, *args = step
    if what == "cancel":
        meeting = nth(Meeting.objects.filter(chapter=chapter), args[0])
        meeting.cancelled = not meeting.cancelled
        meeting.cancel_reason = "Holiday" if meeting.cancelled else ""
        meeting.save()
    elif what == "move":
        meeting = nth(Meeting.objects.filter(chapter=chapter), args[0])
        moved = meeting.date + dt.timedelta(days=args[1])
        if not Meeting.objects.filter(chapter=chapter, date=moved).exists():
            Meeting.objects.filter(pk=meeting.pk).update(date=moved)
    elif what == "mark":
        mark = nth(Attendance.objects.filter(meeting__chapter=chapter), args[0])
        if mark:
            mark.mark = args[1]
            mark.save()
    elif what == "visit":
        Visit.objects.filter(pk=getattr(nth(Visit.objects.all(), args[0]), "pk", None)).update(
            attended=~F("attended")
        )
    elif what == "status":
        OneToOne.objects.filter(
            pk=getattr(nth(OneToOne.objects.all(), args[0]), "pk", None)
        ).update(status=args[1])
    elif what == "kind":
        referral = nth(Referral.objects.all(), args[0])
        if referral:
            referral.kind = "outside" if referral.kind == "inside" else "inside"
            referral.save()
    elif what == "redate":
        slip = nth(SLIP_MODELS[args[0]].objects.all(), args[1])
        if slip:
            type(slip).objects.filter(pk=slip.pk).update(
                date=F("date") + dt.timedelta(days=args[2])
            )
    elif what == "amount":
        Tyfcb.objects.filter(pk=getattr(nth(Tyfcb.objects.all(), args[0]), "pk", None)).update(
            amount=Decimal(args[1]) / 4
        )
    elif what == "delete":
        slip = nth(SLIP_MODELS[args[0]].objects.all(), args[1])
        if slip:
            slip.delete()
    elif what == "bulk":
        Referral.objects.filter(chapter=chapter).update(date=F("date") + dt.timedelta(days=args[0]))
    elif what == "drop member":  # its marks and slips go with it, its visits lose their host
        member = nth(Member.objects.filter(chapter=chapter), args[0])
        if member is None:
            return
        for model in SLIP_MODELS:
            for field in ("giver", "receiver", "writer", "thanked", "member", "member_a",
                          "member_b"):  # fmt: skip
                if any(x.name == field for x in model._meta.fields):
                    model.objects.filter(**{field: member}).delete()
        Attendance.objects.filter(member=member).delete()
        member.delete()
    elif what == "giver leaves":  # the giver is now held as someone outside Slipstream
        found = nth(Referral.objects.filter(giver__isnull=False), args[0])
        if found:
            Referral.objects.filter(pk=found.pk).update(giver=None, other_name="Gone Away")
    elif what == "giver named":  # ... and back: a member of any chapter gave it
        found = nth(Referral.objects.filter(giver__isnull=True), args[0])
        giver = nth(Member.objects.exclude(pk=getattr(found, "receiver_id", None)), args[1])
        if found and giver:
            Referral.objects.filter(pk=found.pk).update(giver=giver, **NOBODY_OUTSIDE)
    elif what == "writer unknown":
        found = nth(Tyfcb.objects.filter(thanked__isnull=False), args[0])
        if found:
            Tyfcb.objects.filter(pk=found.pk).update(writer=None, **NOBODY_OUTSIDE)
    elif what == "thanked named":  # a thank-you to someone outside now thanks a member
        found = nth(Tyfcb.objects.filter(thanked__isnull=True), args[0])
        thanked = nth(Member.objects.exclude(pk=getattr(found, "writer_id", None)), args[1])
        if found and thanked:
            Tyfcb.objects.filter(pk=found.pk).update(thanked=thanked, **NOBODY_OUTSIDE)
    elif what == "partner leaves":
        found = nth(OneToOne.objects.filter(member_b__isnull=False), args[0])
        if found:
            OneToOne.objects.filter(pk=found.pk).update(
                member_b=None, other_name=f"Gone {found.pk}"
            )


def rollup_rows() -> set[tuple]:
    with connection.cursor() as cursor:
        columns = ", ".join((*rollup.KEY, *rollup.VALUES))
        cursor.execute(
            f"SELECT {columns} FROM {rollup.TABLE} WHERE ({' OR '.join(f'{v} <> 0' for v in rollup.VALUES)})"  # noqa: E501
        )
        kept = set(cursor.fetchall())
        cursor.execute(rollup.recount_sql())
        return kept, set(cursor.fetchall())


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(h=history, changes=st.lists(change, max_size=8))
def test_the_rollup_equals_a_recount_after_any_writes(h, changes):
    """Generated histories of one to three chapters with slips across the line and beyond
    Slipstream, then writes: the rollup equals its recount, and every chapter's PALMS and the
    region's (read through the rollup) equal PALMS counted the long way."""
    with transaction.atomic():
        chapters = build(h)
        neighbour = f.ReferralFactory(date=day(10)).chapter  # another chapter's slip
        for step in changes:
            apply(chapters[0], step)
        kept, counted = rollup_rows()
        assert kept == counted
        a, b = h["window"]
        start, end = day(min(a, b)), day(max(a, b)) + dt.timedelta(days=DAYS // 2)
        assert_palms_of_every_chapter_and_the_region([*chapters, neighbour], start, end)
        transaction.set_rollback(True)


def _every_other_day() -> list[tuple]:
    """A slip every other day among the six members, some of them with someone outside
    Slipstream (or an unknown writer), as ``OUTSIDE`` mixes them."""
    return [
        (d % 6, (d + 1 + d // 8) % 6, d, d % 10, OUTSIDE[(d // 2) % len(OUTSIDE)])
        for d in range(0, DAYS + 1, 2)
    ]


#: Two chapters (four members and two) with something of every kind on every other day of
#: the ten weeks, across the line and beyond Slipstream too.
EVERY_OTHER_DAY = {
    "chapters": 2,
    "members": [
        (0, None, "active", 0),  # the fourth field moves each off the round robin
        (0, None, "active", 1),
        (3, None, "on_leave", 0),
        (0, 50, "dropped", 1),
        (0, None, "active", 1),  # ... and these two to the second chapter
        (20, None, "active", 0),
    ],
    "cancelled": {4},
    "marks": [(m, w, "PALMS"[(m + w) % 5]) for m in range(6) for w in range(10)],
    **{
        kind: _every_other_day()
        for kind in ("referrals", "tyfcbs", "one_to_ones", "ceus", "testimonials")
    },
    "visits": [(m, w, w % 3 > 0) for m in range(6) for w in range(0, 10, 2)],
}


@pytest.mark.django_db(transaction=True)
def test_a_region_outside_a_transaction_reads_its_parts_side_by_side_from_one_snapshot():
    """Outside a transaction (a command, a page) the region's parts run on connections of
    their own, all reading one snapshot: still PALMS counted the long way."""
    chapters = [*build(EVERY_OTHER_DAY), f.ReferralFactory(date=day(10)).chapter]
    assert [Member.objects.filter(chapter=c).count() for c in chapters[:2]] == [4, 2]
    assert Referral.objects.filter(
        giver__chapter_id=chapters[0].pk, receiver__chapter_id=chapters[1].pk
    ).exists()
    for start, end in [(day(3), day(61)), (day(1), day(5)), (day(7), day(41)), (day(0), day(69))]:
        with CaptureQueriesContext(connection) as here:
            region = palms_rows(chapters, start, end)
        read_here = " ".join(q["sql"] for q in here.captured_queries)
        assert "pg_export_snapshot" in read_here and rollup.TABLE not in read_here
        expected = {}
        for chapter in chapters:
            expected |= recount(chapter, start, end)
        assert [r.email for r in region] == sorted(expected)
        for row in region:
            assert row.values == expected[row.email], (row.email, start, end)
        assert any(row.values["RGI"] + row.values["RGO"] for row in region)
    assert not connection.in_atomic_block


def test_a_rebuild_stores_the_rows_in_period_order_and_equal_to_a_recount():
    """A region reads a window's periods: stored in period order, they sit on the pages of
    those periods, not a few on every page of the table."""
    for weeks_ago in (30, 3, 17, 9):
        f.ReferralFactory(date=dt.date(2026, 11, 25) - dt.timedelta(weeks=weeks_ago))
    rollup.rebuild()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT weeks, week, chapter_id FROM {rollup.TABLE} ORDER BY ctid")
        stored = cursor.fetchall()
    assert len(stored) == 4 * 2 * 2  # each referral: giver and receiver, by week and period
    assert stored == sorted(stored)
    kept, counted = rollup_rows()
    assert kept == counted


def test_a_region_reads_whole_weeks_from_the_rollup_and_the_edges_from_the_slips():
    referral = f.ReferralFactory(date=dt.date(2026, 3, 4))  # a Wednesday
    other = f.ChapterFactory()
    f.MemberFactory(chapter=other, joined_on=dt.date(2025, 1, 1))
    giver = referral.giver
    chapters = [referral.chapter, other]

    def given(start, end):
        with CaptureQueriesContext(connection) as queries:
            rows = palms_rows(chapters, start, end)
        read = " ".join(q["sql"] for q in queries.captured_queries[1:])  # after the members
        return {r.member_id: r["RGI"] + r["RGO"] for r in rows}[giver.pk], read

    # Monday 2 March to Sunday 8 March: the week from the rollup only.
    count, read = given(dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert count == 1 and rollup.TABLE in read and "referrals_referral" not in read
    # From the Wednesday: that week is an edge, read from the slips.
    count, read = given(dt.date(2026, 3, 4), dt.date(2026, 3, 15))
    assert count == 1 and rollup.TABLE in read and "referrals_referral" in read
    # A window inside one week: no whole week, the slips alone.
    count, read = given(dt.date(2026, 3, 3), dt.date(2026, 3, 5))
    assert count == 1 and rollup.TABLE not in read
    assert given(dt.date(2026, 3, 5), dt.date(2026, 3, 20))[0] == 0


@given(
    st.dates(dt.date(1999, 1, 1), dt.date(2031, 1, 1)),
    st.integers(0, 60),
)
def test_the_periods_cover_every_week_of_a_window_once(day_from, length):
    """Four-week periods wholly inside, aligned to the epoch, plus the weeks left over."""
    weeks_from = day_from - dt.timedelta(days=day_from.weekday())
    weeks_to = weeks_from + dt.timedelta(weeks=length)
    first, last, a, b, c, d = _periods(weeks_from, weeks_to)
    covered = []
    period = first
    while period <= last:
        assert (period - dt.date.fromisoformat(rollup.EPOCH)).days % 28 == 0
        covered += [period + dt.timedelta(weeks=i) for i in range(4)]
        period += dt.timedelta(weeks=4)
    for lo, hi in ((a, b), (c, d)):
        week = lo
        while week <= hi:
            covered.append(week)
            week += dt.timedelta(weeks=1)
    assert sorted(covered) == [weeks_from + dt.timedelta(weeks=i) for i in range(length + 1)]


def test_an_import_counts_its_chapter_once_at_the_end_and_the_triggers_resume(tmp_path):
    write_chapter(tmp_path / "files", members=8, weeks=12, domain="rollup.test")
    chapter = f.ChapterFactory()
    other = f.ReferralFactory(date=dt.date(2026, 3, 4))  # another chapter's, kept as it was
    with transaction.atomic():
        import_directory(chapter, tmp_path / "files")
        assert connection.cursor().execute(
            "SELECT current_setting(%s, true)", [rollup.SETTING]
        ).fetchone() in [("",), (None,)]
        f.ReferralFactory(chapter=chapter, giver=Member.objects.filter(chapter=chapter).first())
    kept, counted = rollup_rows()
    assert kept == counted
    assert {row[1] for row in kept} == {chapter.pk, other.chapter_id}
    assert sum(row[4] for row in kept if row[1] == chapter.pk and row[2] == 1) > 0  # marks


def test_a_failed_import_leaves_the_rollup_as_it_was(tmp_path):
    write_chapter(tmp_path / "files", members=8, weeks=12, domain="rollup.test")
    roster = tmp_path / "files" / "roster.csv"
    roster.write_text(roster.read_text() + "not,a,valid,row\n")
    chapter = f.ChapterFactory()
    f.ReferralFactory(date=dt.date(2026, 3, 4))
    before = rollup_rows()
    with pytest.raises(ImportFailed):
        import_directory(chapter, tmp_path / "files")
    assert rollup_rows() == before
    f.ReferralFactory(date=dt.date(2026, 3, 5))  # the triggers keep it as before
    kept, counted = rollup_rows()
    assert kept == counted
