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

from django.db import connection
from django.utils.translation import gettext

from meetings.models import Meeting, Visit
from members.models import Chapter, Member
from referrals.models import OneToOne, Referral, Tyfcb

from .lights import WINDOW_WEEKS, light_window
from .sql import names


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


SERIES = ("referrals", "tyfcb", "one_to_ones", "visitors")


def _activity_by_day(chapter_id: int, start: dt.date, end: dt.date) -> list[dict]:
    """Each source grouped by day over ``[start, end]``, glued with UNION ALL: one round trip.

    The chapter's activity is what its own members did, whichever chapter logged the slip
    (DOMAIN.md "Beyond the chapter"): a referral counts once if its giver or its receiver is
    a member, a done 1-2-1 once if either member is, a thank-you by the thanked member's
    chapter (as PALMS credits it). A slip with both sides in the chapter must not count
    twice, so the second side's part leaves out what the first already read; each part is
    driven by the chapter's members and their slip indexes, never a scan of the region.

    Hand-written SQL (``_activity_sql``): the page is drawn again after every write to the
    chapter, and the ORM took longer to compile this six-part union than PostgreSQL took to
    run it. ``tests/reports/test_health_sql.py`` holds it to its ORM twin.
    """
    ours, done = [start, end, chapter_id], OneToOne.Status.DONE
    params = [*ours, *ours, chapter_id, *ours, start, end, done, chapter_id]
    params += [start, end, done, chapter_id, chapter_id, chapter_id, start, end]
    with connection.cursor() as cursor:
        cursor.execute(_activity_sql(), params)
        return [dict(zip(SERIES_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


SERIES_COLUMNS = ("day", *SERIES)


@functools.cache
def _activity_sql() -> str:
    """The six parts, with the models' own table and column names."""
    r, t, o = (names(model) for model in (Referral, Tyfcb, OneToOne))
    visit, meeting, member = names(Visit), names(Meeting), names(Member)
    m = f"{member['table']} m"

    def part(row: str, rest: str) -> str:
        return f"SELECT {row} {rest}"

    referrals = "x.{date}, COUNT(*), 0, 0, 0"
    return " UNION ALL ".join(
        [
            part(
                referrals.format(**r),
                f"FROM {r['table']} x JOIN {m} ON m.id = x.{r['giver']} "
                f"WHERE x.{r['date']} >= %s AND x.{r['date']} <= %s AND m.{member['chapter']} = %s "
                f"GROUP BY x.{r['date']}",
            ),
            part(
                referrals.format(**r),
                f"FROM {r['table']} x JOIN {m} ON m.id = x.{r['receiver']} "
                f"LEFT JOIN {member['table']} g ON g.id = x.{r['giver']} "
                f"WHERE x.{r['date']} >= %s AND x.{r['date']} <= %s AND m.{member['chapter']} = %s "
                f"AND (g.{member['chapter']} IS NULL OR g.{member['chapter']} <> %s) "
                f"GROUP BY x.{r['date']}",
            ),
            part(
                f"x.{t['date']}, 0, SUM(x.{t['amount']}), 0, 0",
                f"FROM {t['table']} x JOIN {m} ON m.id = x.{t['thanked']} "
                f"WHERE x.{t['date']} >= %s AND x.{t['date']} <= %s AND m.{member['chapter']} = %s "
                f"GROUP BY x.{t['date']}",
            ),
            part(
                f"x.{o['date']}, 0, 0, COUNT(*), 0",
                f"FROM {o['table']} x JOIN {m} ON m.id = x.{o['member_a']} "
                f"WHERE x.{o['date']} >= %s AND x.{o['date']} <= %s AND x.{o['status']} = %s "
                f"AND m.{member['chapter']} = %s GROUP BY x.{o['date']}",
            ),
            part(
                f"x.{o['date']}, 0, 0, COUNT(*), 0",
                f"FROM {o['table']} x JOIN {m} ON m.id = x.{o['member_b']} "
                f"JOIN {member['table']} a ON a.id = x.{o['member_a']} "
                f"WHERE x.{o['date']} >= %s AND x.{o['date']} <= %s AND x.{o['status']} = %s "
                f"AND m.{member['chapter']} = %s AND a.{member['chapter']} <> %s "
                f"GROUP BY x.{o['date']}",
            ),
            part(
                f"e.{meeting['date']}, 0, 0, 0, COUNT(*)",
                f"FROM {visit['table']} x JOIN {meeting['table']} e ON e.id = x.{visit['meeting']} "
                f"WHERE x.{visit['attended']} AND NOT e.{meeting['cancelled']} "
                f"AND e.{meeting['chapter']} = %s "
                f"AND e.{meeting['date']} >= %s AND e.{meeting['date']} <= %s "
                f"GROUP BY e.{meeting['date']}",
            ),
        ]
    )


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
    #: The cells as HTML, set by the page that draws them (``reports.views``).
    cells_html: str = ""

    @property
    def balance(self) -> int:
        return self.given - self.received


def _matrix_counts(chapter_id: int, start: dt.date, end: dt.date) -> list[tuple]:
    """Referrals of the window with the chapter's members on either side, counted per
    (giver, receiver) with each side's chapter (``None`` for a giver outside Slipstream).

    Two parts, each driven by the chapter's members: what they gave, and what they received
    from anyone beyond the chapter (a referral between two of them is in the first only).
    Hand-written SQL, as ``_activity_by_day`` and for the same reason.
    """
    with connection.cursor() as cursor:
        cursor.execute(_matrix_sql(), [start, end, chapter_id, start, end, chapter_id, chapter_id])
        return cursor.fetchall()


@functools.cache
def _matrix_sql() -> str:
    r, member = names(Referral), names(Member)
    chapter, table = member["chapter"], member["table"]
    pair = f"x.{r['giver']}, x.{r['receiver']}"

    def side(ours: str, theirs: str, beyond: str) -> str:
        """Referrals whose ``ours`` is the chapter's member, with the other side's chapter."""
        giver, receiver = ("m", "o") if ours == "giver" else ("o", "m")
        columns = f"{pair}, {giver}.{chapter}, {receiver}.{chapter}"
        return " ".join(
            [
                f"SELECT {columns}, COUNT(*) FROM {r['table']} x",  # noqa: S608 (names, no input)
                f"JOIN {table} m ON m.id = x.{r[ours]}",
                f"LEFT JOIN {table} o ON o.id = x.{r[theirs]}",
                f"WHERE x.{r['date']} >= %s AND x.{r['date']} <= %s AND m.{chapter} = %s",
                beyond,
                f"GROUP BY {columns}",
            ]
        )

    return " UNION ALL ".join(
        [
            side("giver", "receiver", ""),
            side("receiver", "giver", f"AND (o.{chapter} IS NULL OR o.{chapter} <> %s)"),
        ]
    )


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
