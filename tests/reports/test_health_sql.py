"""The report pages' hand-written statements (``reports.health``, ``reports.lights``) give
what their ORM twins give: the querysets the pages ran before they were written out by hand,
on the same slips in, across and beyond the chapter, on several days."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Count, DecimalField, F, IntegerField, Sum, Value

from meetings.models import Meeting, Visit
from referrals.models import OneToOne, Referral, Tyfcb
from reports.health import SERIES, _activity_by_day, _matrix_counts
from reports.lights import _held
from tests.factories import MeetingFactory, VisitFactory, VisitorFactory
from tests.reports.test_beyond_chapter_reports import across, meet, people, refer, today

pytestmark = pytest.mark.django_db

__all__ = ["across", "people", "today"]  # fixtures


def _zero(name: str) -> Value:
    if name == "tyfcb":
        return Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    return Value(0, output_field=IntegerField())


def twin_activity(chapter_id, start, end):
    window = {"date__gte": start, "date__lte": end}
    done = OneToOne.objects.filter(status=OneToOne.Status.DONE, **window)
    sources = [
        (Referral.objects.filter(giver__chapter_id=chapter_id, **window), "date", "referrals",
         Count("pk")),
        (Referral.objects.filter(receiver__chapter_id=chapter_id, **window).exclude(
            giver__chapter_id=chapter_id), "date", "referrals", Count("pk")),
        (Tyfcb.objects.filter(thanked__chapter_id=chapter_id, **window), "date", "tyfcb",
         Sum("amount")),
        (done.filter(member_a__chapter_id=chapter_id), "date", "one_to_ones", Count("pk")),
        (done.filter(member_b__chapter_id=chapter_id).exclude(member_a__chapter_id=chapter_id),
         "date", "one_to_ones", Count("pk")),
        (Visit.objects.filter(attended=True, meeting__chapter_id=chapter_id,
                              meeting__cancelled=False, meeting__date__gte=start,
                              meeting__date__lte=end), "meeting__date", "visitors", Count("pk")),
    ]  # fmt: skip
    parts = [
        queryset.order_by()
        .values(day=F(date_field))
        .annotate(**{name: value if name == own else _zero(name) for name in SERIES})
        for queryset, date_field, own, value in sources
    ]
    return parts[0].union(*parts[1:], all=True).order_by()


def twin_matrix(chapter_id, start, end):
    window = {"date__gte": start, "date__lte": end}
    sides = {"giver_chapter": F("giver__chapter_id"), "receiver_chapter": F("receiver__chapter_id")}
    gave = Referral.objects.filter(giver__chapter_id=chapter_id, **window)
    got = Referral.objects.filter(receiver__chapter_id=chapter_id, **window).exclude(
        giver__chapter_id=chapter_id
    )
    parts = [
        part.order_by()
        .values("giver_id", "receiver_id", **sides)
        .annotate(n=Count("pk"))
        .values_list("giver_id", "receiver_id", "giver_chapter", "receiver_chapter", "n")
        for part in (gave, got)
    ]
    return parts[0].union(parts[1], all=True).order_by()


def day_rows(rows):
    """Rows as comparable tuples: SQLite hands back a union's dates as text and its sums of
    money as floats."""
    out = []
    for row in rows:
        day = row["day"] if isinstance(row["day"], dt.date) else dt.date.fromisoformat(row["day"])
        money = Decimal(str(row["tyfcb"] or 0)).quantize(Decimal("0.01"))
        out.append((day, row["referrals"], money, row["one_to_ones"], row["visitors"]))
    return sorted(out)


@pytest.fixture
def weeks(across, people, chapter, other_chapter, today):
    """The fixture's week, and slips on earlier days: a cancelled meeting's visitor, a visitor
    who did not come, a planned 1-2-1 and a slip outside the window."""
    alice, bob, pat = people["alice"], people["bob"], people["pat"]
    for days in (3, 9, 40):
        day = today - dt.timedelta(days=days)
        refer(bob, alice, day)
        refer(pat, alice, day)
        meet(bob, pat, day)
        cancelled = {"cancelled": True, "cancel_reason": "Venue closed"} if days == 9 else {}
        meeting = MeetingFactory(chapter=chapter, date=day, **cancelled)
        VisitFactory(meeting=meeting, visitor=VisitorFactory(chapter=chapter))
        VisitFactory(meeting=meeting, visitor=VisitorFactory(chapter=chapter), attended=False)
    refer(alice, bob, today - dt.timedelta(days=400))
    meet(alice, pat, today - dt.timedelta(days=2), status="planned")
    return today - dt.timedelta(days=60), today


def test_the_activity_statement_is_its_orm_twin(weeks, chapter, other_chapter):
    start, end = weeks
    for chapter_id in (chapter.pk, other_chapter.pk):
        written = day_rows(_activity_by_day(chapter_id, start, end))
        assert written == day_rows(twin_activity(chapter_id, start, end))
    assert len(day_rows(_activity_by_day(chapter.pk, start, end))) >= 4  # several days


def test_the_matrix_statement_is_its_orm_twin(weeks, chapter, other_chapter):
    start, end = weeks
    for chapter_id in (chapter.pk, other_chapter.pk):
        written = sorted(map(tuple, _matrix_counts(chapter_id, start, end)), key=str)
        assert written
        assert written == sorted(map(tuple, twin_matrix(chapter_id, start, end)), key=str)


def test_the_held_meetings_statement_is_its_orm_twin(weeks, chapter, other_chapter):
    start, end = weeks
    MeetingFactory(chapter=other_chapter, date=end - dt.timedelta(days=3))
    for ids in ([chapter.pk], [other_chapter.pk], [chapter.pk, other_chapter.pk], []):
        twin = (
            Meeting.objects.held()
            .filter(chapter_id__in=ids)
            .between(start, end)
            .order_by("date", "id")
            .values_list("chapter_id", "date")
        )
        assert [tuple(row) for row in _held(ids, start, end)] == list(twin)
    assert len(_held([chapter.pk], start, end)) == 2  # the cancelled one and the old one left out
