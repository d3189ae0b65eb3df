"""The chapter's health for the president's page: totals, the weekly trend, the matrix.

Each source is read once, grouped by day over the 26-week window; the three comparison
windows (this week, last 4 weeks, 6 months) and the weekly trend are then sums of those few
hundred day-rows, so the page costs the same for a chapter of 10 or 60 members.
"""

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, IntegerField, Sum, Value
from django.utils.translation import gettext

from meetings.models import Visit
from members.models import Chapter, Member
from referrals.models import OneToOne, Referral, Tyfcb

from .lights import WINDOW_WEEKS, light_window


@dataclass
class Totals:
    referrals: int = 0
    visitors: int = 0
    one_to_ones: int = 0
    tyfcb: Decimal = Decimal("0.00")


@dataclass
class WeekPoint:
    week_ending: dt.date
    referrals: int
    tyfcb: Decimal


def _zero(name: str) -> Value:
    if name == "tyfcb":
        return Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    return Value(0, output_field=IntegerField())


SERIES = ("referrals", "tyfcb", "one_to_ones", "visitors")


def _activity_by_day(chapter_id, start, end):
    """Each source grouped by day over ``[start, end]``, glued with UNION ALL: one round trip.

    The chapter's activity is what its own members did, whichever chapter logged the slip
    (DOMAIN.md "Beyond the chapter"): a referral counts once if its giver or its receiver is
    a member, a done 1-2-1 once if either member is, a thank-you by the thanked member's
    chapter (as PALMS credits it). A slip with both sides in the chapter must not count
    twice, so the second side's part leaves out what the first already read; each part is
    driven by the chapter's members and their slip indexes, never a scan of the region.
    """
    window = {"date__gte": start, "date__lte": end}
    done = OneToOne.objects.filter(status=OneToOne.Status.DONE, **window)
    sources = [
        (
            Referral.objects.filter(giver__chapter_id=chapter_id, **window),
            "date",
            "referrals",
            Count("pk"),
        ),
        (
            Referral.objects.filter(receiver__chapter_id=chapter_id, **window).exclude(
                giver__chapter_id=chapter_id
            ),
            "date",
            "referrals",
            Count("pk"),
        ),
        (
            Tyfcb.objects.filter(thanked__chapter_id=chapter_id, **window),
            "date",
            "tyfcb",
            Sum("amount"),
        ),
        (done.filter(member_a__chapter_id=chapter_id), "date", "one_to_ones", Count("pk")),
        (
            done.filter(member_b__chapter_id=chapter_id).exclude(member_a__chapter_id=chapter_id),
            "date",
            "one_to_ones",
            Count("pk"),
        ),
        (
            Visit.objects.filter(
                attended=True,
                meeting__chapter_id=chapter_id,
                meeting__cancelled=False,
                meeting__date__gte=start,
                meeting__date__lte=end,
            ),
            "meeting__date",
            "visitors",
            Count("pk"),
        ),
    ]
    parts = [
        queryset.order_by()
        .values(day=F(date_field))
        .annotate(**{name: value if name == own else _zero(name) for name in SERIES})
        for queryset, date_field, own, value in sources
    ]
    return parts[0].union(*parts[1:], all=True).order_by()


def chapter_activity(chapter: Chapter, as_of: dt.date) -> tuple[dict[str, Totals], list[WeekPoint]]:
    """Totals for this week / last 4 weeks / 6 months, and 26 weekly points ending ``as_of``."""
    start, end = light_window(as_of)
    # Each day's counts go to its week (0 = the week ending as_of), in one pass.
    weeks = [Totals() for _ in range(WINDOW_WEEKS)]
    for record in _activity_by_day(chapter.pk, start, end):
        day = record["day"]
        if isinstance(day, str):  # SQLite hands back a union's dates as text
            day = dt.date.fromisoformat(day)
        week = weeks[(as_of - day).days // 7]
        week.referrals += record["referrals"] or 0
        week.visitors += record["visitors"] or 0
        week.one_to_ones += record["one_to_ones"] or 0
        week.tyfcb += Decimal(record["tyfcb"] or 0)
    spans = {"week": weeks[:1], "4w": weeks[:4], "6m": weeks}
    totals = {
        key: Totals(
            referrals=sum(w.referrals for w in span),
            visitors=sum(w.visitors for w in span),
            one_to_ones=sum(w.one_to_ones for w in span),
            tyfcb=sum((w.tyfcb for w in span), Decimal("0.00")),
        )
        for key, span in spans.items()
    }
    trend = [
        WeekPoint(week_ending=as_of - dt.timedelta(weeks=i), referrals=w.referrals, tyfcb=w.tyfcb)
        for i, w in reversed(list(enumerate(weeks)))
    ]
    return totals, trend


#: The matrix's row and column for everyone beyond the chapter: members of other chapters
#: and people outside Slipstream, one "outside" row and column (DOMAIN.md "Beyond the
#: chapter"), never a row of their own.
OUTSIDE = "outside"


@dataclass
class MatrixRow:
    member: dict
    #: The row's cells, one per receiver column: ``(heat, count)``, heat 0-5 against the
    #: matrix's largest count (the template draws the shade, and no number for a zero).
    cells: list[tuple[int, int]]
    given: int
    received: int
    outside: bool = False

    @property
    def balance(self) -> int:
        return self.given - self.received


def _matrix_counts(chapter_id, start, end):
    """Referrals of the window with the chapter's members on either side, counted per
    (giver, receiver) with each side's chapter (``None`` for a giver outside Slipstream).

    Two parts, each driven by the chapter's members: what they gave, and what they received
    from anyone beyond the chapter (a referral between two of them is in the first only).
    """
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


def referral_matrix(chapter: Chapter, start: dt.date, end: dt.date) -> list[MatrixRow]:
    """Who gave how many referrals to whom in ``[start, end]``, with each member's balance.

    Rows give and columns receive, one per member who belonged in the window, then the
    "outside" row (referrals the chapter's members received from beyond it: another
    chapter's members, someone outside Slipstream) and the "outside" column (referrals they
    gave to members of other chapters). A member's given and received count every referral
    of theirs, across the chapter line too; the outside row's balance is the chapter's
    trade with the world seen from outside.
    """
    members = list(
        Member.objects.filter(chapter_id=chapter.pk)
        .belonging_between(start, end)
        .order_by("user__first_name", "user__last_name", "pk")
        .values("pk", "user__first_name", "user__last_name")
    )
    gave: dict[int | str, dict[int | str, int]] = defaultdict(dict)
    given: dict[int | str, int] = defaultdict(int)
    received: dict[int | str, int] = defaultdict(int)
    for giver_id, receiver_id, giver_chapter, receiver_chapter, n in _matrix_counts(
        chapter.pk, start, end
    ):
        row = giver_id if giver_chapter == chapter.pk else OUTSIDE
        column = receiver_id if receiver_chapter == chapter.pk else OUTSIDE
        gave[row][column] = gave[row].get(column, 0) + n
        given[row] += n
        received[column] += n
    peak = max((n for row in gave.values() for n in row.values()), default=0)

    @functools.cache
    def cell(n: int) -> tuple[int, int]:
        """One cell's heat and count; a matrix holds few distinct counts."""
        return (0 if not n else max(1, min(5, round(5 * n / peak))), n)

    empty = cell(0)
    columns: list[int | str] = [*(m["pk"] for m in members), OUTSIDE]
    rows = [
        ({"pk": m["pk"], "name": f"{m['user__first_name']} {m['user__last_name']}"}, m["pk"])
        for m in members
    ]
    rows.append(({"pk": None, "name": gettext("Outside the chapter")}, OUTSIDE))
    return [
        MatrixRow(
            member=member,
            cells=(
                [cell(mine[r]) if r in mine else empty for r in columns]
                if (mine := gave.get(key))
                else [empty] * len(columns)
            ),
            given=given[key],
            received=received[key],
            outside=key == OUTSIDE,
        )
        for member, key in rows
    ]
