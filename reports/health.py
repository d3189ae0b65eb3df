"""The chapter's health for the president's page: totals, the weekly trend, the matrix.

Each source is read once, grouped by day over the 26-week window; the three comparison
windows (this week, last 4 weeks, 6 months) and the weekly trend are then sums of those few
hundred day-rows, so the page costs the same for a chapter of 10 or 60 members.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, IntegerField, Sum, Value
from django.utils.safestring import mark_safe

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


def chapter_activity(chapter: Chapter, as_of: dt.date) -> tuple[dict[str, Totals], list[WeekPoint]]:
    """Totals for this week / last 4 weeks / 6 months, and 26 weekly points ending ``as_of``."""
    start, end = light_window(as_of)
    window = {"chapter": chapter, "date__gte": start, "date__lte": end}
    series = ("referrals", "tyfcb", "one_to_ones", "visitors")
    sources = [
        (Referral.objects.filter(**window), "date", "referrals", Count("pk")),
        (Tyfcb.objects.filter(**window), "date", "tyfcb", Sum("amount")),
        (
            OneToOne.objects.filter(status=OneToOne.Status.DONE, **window),
            "date",
            "one_to_ones",
            Count("pk"),
        ),
        (
            Visit.objects.filter(
                attended=True,
                meeting__chapter=chapter,
                meeting__cancelled=False,
                meeting__date__gte=start,
                meeting__date__lte=end,
            ),
            "meeting__date",
            "visitors",
            Count("pk"),
        ),
    ]
    # One round trip: each source grouped by day, glued with UNION ALL.
    parts = [
        queryset.order_by()
        .values(day=F(date_field))
        .annotate(**{name: value if name == own else _zero(name) for name in series})
        for queryset, date_field, own, value in sources
    ]
    by_day: dict[str, dict[dt.date, int | Decimal]] = {name: {} for name in series}
    for record in parts[0].union(*parts[1:], all=True).order_by():
        for name in series:
            if record[name]:
                by_day[name][record["day"]] = by_day[name].get(record["day"], 0) + record[name]
    referrals, tyfcb = by_day["referrals"], by_day["tyfcb"]
    one_to_ones, visitors = by_day["one_to_ones"], by_day["visitors"]
    spans = {
        "week": as_of - dt.timedelta(days=6),
        "4w": as_of - dt.timedelta(weeks=4) + dt.timedelta(days=1),
        "6m": start,
    }
    totals = {key: Totals() for key in spans}
    for key, since in spans.items():
        t = totals[key]
        t.referrals = sum(n for d, n in referrals.items() if d >= since)
        t.visitors = sum(n for d, n in visitors.items() if d >= since)
        t.one_to_ones = sum(n for d, n in one_to_ones.items() if d >= since)
        t.tyfcb = sum((a for d, a in tyfcb.items() if d >= since), Decimal("0.00"))
    trend = []
    for week in range(WINDOW_WEEKS - 1, -1, -1):
        week_end = as_of - dt.timedelta(weeks=week)
        week_start = week_end - dt.timedelta(days=6)
        trend.append(
            WeekPoint(
                week_ending=week_end,
                referrals=sum(n for d, n in referrals.items() if week_start <= d <= week_end),
                tyfcb=sum(
                    (a for d, a in tyfcb.items() if week_start <= d <= week_end), Decimal("0.00")
                ),
            )
        )
    return totals, trend


@dataclass
class MatrixRow:
    member: dict
    cells: list[tuple[int, int]]  # (count, heat level 0–5) per receiver column
    given: int
    received: int

    @property
    def balance(self) -> int:
        return self.given - self.received

    @property
    def cells_html(self) -> str:
        """The row's cells, built in one pass: a 60 × 60 matrix is 3,600 cells, too many to
        render one template node at a time on every page view."""
        # Counts and heat levels are ints computed here, never user input: safe as they are.
        return mark_safe(  # noqa: S308
            "".join(f'<td class="num heat-{int(lvl)}">{int(n) or ""}</td>' for n, lvl in self.cells)
        )


def referral_matrix(chapter: Chapter, start: dt.date, end: dt.date) -> list[MatrixRow]:
    """Who gave how many referrals to whom in ``[start, end]``, with each member's balance."""
    members = list(
        Member.objects.filter(chapter=chapter)
        .belonging_between(start, end)
        .order_by("user__first_name", "user__last_name", "pk")
        .values("pk", "user__first_name", "user__last_name")
    )
    counts: dict[tuple[int, int], int] = {}
    given: dict[int, int] = defaultdict(int)
    received: dict[int, int] = defaultdict(int)
    for row in (
        Referral.objects.filter(chapter=chapter, date__gte=start, date__lte=end)
        .values("giver_id", "receiver_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row["giver_id"], row["receiver_id"]] = row["n"]
        given[row["giver_id"]] += row["n"]
        received[row["receiver_id"]] += row["n"]
    peak = max(counts.values(), default=0)

    def heat(n: int) -> int:
        return 0 if not n else max(1, min(5, round(5 * n / peak)))

    def cells(giver_pk: int) -> list[tuple[int, int]]:
        return [
            (counts.get((giver_pk, r["pk"]), 0), heat(counts.get((giver_pk, r["pk"]), 0)))
            for r in members
        ]

    return [
        MatrixRow(
            member={"pk": m["pk"], "name": f"{m['user__first_name']} {m['user__last_name']}"},
            cells=cells(m["pk"]),
            given=given[m["pk"]],
            received=received[m["pk"]],
        )
        for m in members
    ]


@dataclass
class Chart:
    """A server-rendered bar + line chart: weekly referrals (bars) and TYFCB (line)."""

    width: int
    height: int
    bars: list[dict]
    line_points: str
    max_referrals: int
    max_tyfcb: Decimal
    first: dt.date | None
    last: dt.date | None


def trend_chart(trend: list[WeekPoint], width: int = 360, height: int = 160) -> Chart:
    pad_top, pad_bottom = 10, 20
    plot = height - pad_top - pad_bottom
    n = max(len(trend), 1)
    slot = width / n
    max_ref = max((p.referrals for p in trend), default=0) or 1
    max_tyfcb = max((p.tyfcb for p in trend), default=Decimal(0)) or Decimal(1)
    bars, points = [], []
    for i, p in enumerate(trend):
        h = plot * p.referrals / max_ref
        x = i * slot
        bars.append(
            {
                "x": round(x + slot * 0.15, 1),
                "y": round(pad_top + plot - h, 1),
                "w": round(slot * 0.7, 1),
                "h": round(h, 1),
                "label": f"Week ending {p.week_ending:%d %b}: {p.referrals} referrals, "
                f"{p.tyfcb:.2f} TYFCB",
            }
        )
        y = pad_top + plot - float(Decimal(plot) * p.tyfcb / max_tyfcb)
        points.append(f"{x + slot / 2:.1f},{y:.1f}")
    return Chart(
        width=width,
        height=height,
        bars=bars,
        line_points=" ".join(points),
        max_referrals=max_ref,
        max_tyfcb=max_tyfcb,
        first=trend[0].week_ending if trend else None,
        last=trend[-1].week_ending if trend else None,
    )
