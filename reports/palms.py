"""PALMS, the per-member activity report, exactly as DOMAIN.md defines it.

One grouped SELECT per source (attendance, referrals given and received, visits, 1-2-1s,
TYFCB, CEUs, testimonials), sent as a single UNION ALL, plus one query for the members: two
queries whatever the chapter's size or the window's length, and the same code serves one
chapter or a whole region.
"""

import contextlib
import datetime as dt
import operator
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import IO

from django.contrib.postgres.fields import ArrayField
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import (
    BigIntegerField,
    Count,
    DecimalField,
    F,
    IntegerField,
    Lookup,
    Q,
    Sum,
    Value,
)
from django.utils.safestring import mark_safe

from meetings.models import Attendance, Visit
from members.csvsafe import SafeWriter
from members.models import Chapter, Member
from members.precompiled import Precompiled
from referrals.models import Ceu, OneToOne, Referral, Testimonial, Tyfcb

from . import rollup

MARKS = ("P", "A", "L", "M", "S")
COUNT_COLUMNS = (*MARKS, "RGI", "RGO", "RRI", "RRO", "V", "121")
COLUMNS = (*COUNT_COLUMNS, "TYFCB", "CEU", "T")
CSV_HEADER = ("member_email", "member_name", *COLUMNS)
CENT = Decimal("0.01")
_NOTHING = {c: 0 for c in COLUMNS} | {"TYFCB": Decimal("0.00")}
MEMBER_FIELDS = ("pk", "chapter_id", "user__email", "user__first_name", "user__last_name",
                 "joined_on", "left_on", "status")  # fmt: skip


@dataclass
class PalmsRow:
    member_id: int
    chapter_id: int
    email: str
    name: str
    values: dict[str, int | Decimal] = field(default_factory=dict)
    joined_on: dt.date | None = None
    left_on: dt.date | None = None
    status: str = ""

    def __getitem__(self, column: str) -> int | Decimal:
        return self.values[column]

    @property
    def cells_html(self) -> str:
        """The row's number cells in one join (30 rows × 17 columns is 510 template nodes)."""
        cells = self.csv_cells()[2:]  # numbers only: nothing a browser would read as markup
        return mark_safe("".join(f'<td class="num">{escape(v)}</td>' for v in cells))  # noqa: S308

    def csv_cells(self) -> list[str]:
        cells = [self.email, self.name]
        for column in COLUMNS:
            value = self.values[column]
            cells.append(f"{value:.2f}" if column == "TYFCB" else str(value))
        return cells


def _zero(column: str) -> Value:
    if column == "TYFCB":
        return Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    return Value(0, output_field=IntegerField())


def _chapter_ids(chapters: Chapter | Iterable[Chapter] | Iterable[int]) -> list[int]:
    if isinstance(chapters, Chapter):
        return [chapters.pk]
    return [c.pk if isinstance(c, Chapter) else int(c) for c in chapters]


def palms_rows(
    chapters: Chapter | Iterable[Chapter] | Iterable[int],
    start: dt.date,
    end: dt.date,
    *,
    member_ids: Iterable[int] | None = None,
    members: list[dict] | None = None,
) -> list[PalmsRow]:
    """PALMS rows for ``[start, end]`` (inclusive), sorted by member email.

    A row for every member who belonged on any day of the window (never an applicant);
    each slip counts by its date; TYFCB is credited to the member thanked. A caller that
    has the members loaded passes their ``members_record``s (members who belonged in the
    window) instead of ``member_ids``, and saves the query that reads them.
    """
    chapter_ids = _chapter_ids(chapters)
    some = member_ids is not None or members is not None  # not the whole chapter
    region = len(chapter_ids) > 1 and connection.vendor == "postgresql"
    if region and not some and not connection.in_atomic_block:
        return _region_side_by_side(chapter_ids, start, end)
    if members is None:
        with _never_prepared(len(chapter_ids) > 1):
            members = _members(chapter_ids, start, end, member_ids)
    rows = _blank_rows(members)
    if not rows:
        return []
    if region and not some:
        statements = _rolled_up_sql(chapter_ids, start, end)
    else:
        some_ids = list(rows) if some else None
        statements = [(*_activity_sql(chapter_ids, start, end, some_ids), 1)]
    with (
        transaction.atomic() if region else contextlib.nullcontext(),
        connection.cursor() as cursor,
        _never_prepared(region),
    ):
        if region:
            cursor.execute(_WORK_MEM)
        results = []
        for sql, params, sign in statements:
            cursor.execute(sql, params)
            results.append((cursor.fetchall(), sign))
    return _summed(rows, results)


#: A region's members (30,000) are grouped in memory, not spilled to disk in batches: the
#: default 4 MB spilled the sum of the parts into 21.
_WORK_MEM = "SET LOCAL work_mem = '64MB'"


def _blank_rows(members: list[dict]) -> dict[int, PalmsRow]:
    return {
        m["pk"]: PalmsRow(
            member_id=m["pk"],
            chapter_id=m["chapter_id"],
            email=m["user__email"],
            name=f"{m['user__first_name']} {m['user__last_name']}".strip(),
            values=dict(_NOTHING),
            joined_on=m["joined_on"],
            left_on=m["left_on"],
            status=m["status"],
        )
        for m in members
    }


def _summed(rows: dict[int, PalmsRow], results: list[tuple[list, int]]) -> list[PalmsRow]:
    """Each statement's record per member, added (or, for days outside the window, taken
    away) into the member's row; the rows sorted by email."""
    sums: dict[int, list] = {}
    for records, sign in results:
        combine = operator.add if sign == 1 else operator.sub
        for mid, *values in records:
            before = sums.get(mid)
            if before is not None:  # a region's whole weeks, then the days at either end
                sums[mid] = list(map(combine, before, values))
            else:
                sums[mid] = values if sign == 1 else [-v for v in values]
    tyfcb = COLUMNS.index("TYFCB")
    for mid, values in sums.items():
        row = rows.get(mid)
        if row is not None:
            values[tyfcb] = _decimal(values[tyfcb] or 0)
            row.values = dict(zip(COLUMNS, values, strict=True))
    return sorted(rows.values(), key=lambda r: (r.email, r.member_id))


def _region_side_by_side(chapter_ids: list[int], start: dt.date, end: dt.date) -> list[PalmsRow]:
    """A whole region's PALMS with its statements side by side: the rollup's periods and the
    edge days each on a connection of its own, while this one reads the members and builds
    their rows. Every connection reads one snapshot (exported by this transaction), so the
    parts add up to what one statement would count. Run outside any transaction only: rows
    a caller's open transaction wrote are not in the snapshot another connection reads."""
    with transaction.atomic(), connection.cursor() as cursor, _never_prepared(True):
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        statements = _rolled_up_sql(chapter_ids, start, end)
        with ThreadPoolExecutor(max_workers=max(len(statements), 1)) as pool:
            pending = [
                (pool.submit(_read_in_snapshot, snapshot, sql, params), sign)
                for sql, params, sign in statements
            ]
            try:
                rows = _blank_rows(_members(chapter_ids, start, end, None))
            finally:
                results = [(future.result(), sign) for future, sign in pending]
    return _summed(rows, results) if rows else []


def _read_in_snapshot(snapshot: str, sql: str, params: list) -> list[tuple]:
    """One statement on a new connection (closed after it) that reads ``snapshot``."""
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    aside = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        aside.ensure_connection()
        aside.connection.prepare_threshold = None  # run once, planned for its values
        with aside.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # checked above
            cursor.execute(_WORK_MEM)
            cursor.execute(sql, params)
            records = cursor.fetchall()
            cursor.execute("COMMIT")
        return records
    finally:
        aside.close()


#: What ``pg_export_snapshot()`` returns, such as ``00000003-0000001B-1``.
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")


@contextlib.contextmanager
def _never_prepared(one_off: bool):
    """A region's queries (a thousand chapters' ids) run unprepared, with plans made for their
    values: the generic plan a prepared statement gets (``chapter.settings``) made the union
    a fifth slower, and they run too rarely for planning once to pay."""
    if not one_off or connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        yield
        return
    threshold, raw.prepare_threshold = raw.prepare_threshold, None
    try:
        yield
    finally:
        raw.prepare_threshold = threshold


def members_record(member: Member) -> dict:
    """A member already loaded (with its user), as the PALMS members query reads it."""
    return {
        "pk": member.pk,
        "chapter_id": member.chapter_id,
        "user__email": member.user.email,
        "user__first_name": member.user.first_name,
        "user__last_name": member.user.last_name,
        "joined_on": member.joined_on,
        "left_on": member.left_on,
        "status": member.status,
    }


def _belonging(chapter_ids, start, end, member_ids=None):
    members = Member.objects.filter(chapter_id__in=chapter_ids).belonging_between(start, end)
    if member_ids is not None:
        members = members.filter(pk__in=member_ids)
    return members.values(*MEMBER_FIELDS)


# A chapter's page asks the same question on every visit: compiled once (members.precompiled).
# (One instance serves both calls below: each argument shape is compiled on its own.)
_MEMBERS = Precompiled(_belonging)


def _members(chapter_ids: list[int], start, end, member_ids) -> list[dict]:
    """The members who belonged in the window: one query, compiled once for one chapter."""
    if len(chapter_ids) > 1:  # a region: its size varies, so the ORM compiles it each time
        return list(_belonging(chapter_ids, start, end, member_ids and list(member_ids)))
    if member_ids is None:
        return _MEMBERS(chapter_ids, start, end)
    return _MEMBERS(chapter_ids, start, end, list(member_ids))


def _activity_queryset(
    chapter_ids: list[int],
    start: dt.date,
    end: dt.date,
    member_ids: list[int] | None = None,
    *,
    as_array: bool = False,
):
    """Every source grouped by member, glued with UNION ALL: one round trip for all columns.

    Each part fills its own columns and zeros the rest, so the union's columns line up. With
    ``member_ids`` each part reads only those members' rows (through their own indexes).
    ``as_array`` (PostgreSQL) names a region's chapters as one array, ``= ANY(%s)``, not a
    thousand parameters in each of the nine parts for the driver to splice and the database
    to parse.
    """

    def of_chapters(column: str) -> Q:
        if as_array:
            return Q(_AnyOf(F(column), Value(chapter_ids, output_field=_IDS)))
        return Q(**{f"{column}__in": chapter_ids})

    in_window = {"date__gte": start, "date__lte": end}
    held_in_window = {
        "meeting__cancelled": False,
        "meeting__date__gte": start,
        "meeting__date__lte": end,
    }
    inside, outside = Q(kind=Referral.Kind.INSIDE), Q(kind=Referral.Kind.OUTSIDE)
    meeting_chapter = of_chapters("meeting__chapter_id")
    # Each side of a slip is read by the chapter of the member it links, not the slip's own
    # chapter: a slip across the chapter line counts in both chapters (DOMAIN.md).
    done = OneToOne.objects.filter(status=OneToOne.Status.DONE, **in_window)
    sources = [
        (
            Attendance.objects.filter(meeting_chapter, **held_in_window),
            "member_id",
            {mark: Count("pk", filter=Q(mark=mark)) for mark in MARKS},
        ),
        (
            Referral.objects.filter(of_chapters("giver__chapter_id"), **in_window),
            "giver_id",
            {"RGI": Count("pk", filter=inside), "RGO": Count("pk", filter=outside)},
        ),
        (
            Referral.objects.filter(of_chapters("receiver__chapter_id"), **in_window),
            "receiver_id",
            {"RRI": Count("pk", filter=inside), "RRO": Count("pk", filter=outside)},
        ),
        (
            Visit.objects.filter(meeting_chapter, attended=True, **held_in_window),
            "invited_by_id",
            {"V": Count("pk")},
        ),
        (done.filter(of_chapters("member_a__chapter_id")), "member_a_id", {"121": Count("pk")}),
        (done.filter(of_chapters("member_b__chapter_id")), "member_b_id", {"121": Count("pk")}),
        (
            Tyfcb.objects.filter(of_chapters("thanked__chapter_id"), **in_window),
            "thanked_id",
            {"TYFCB": Sum("amount")},
        ),
        (
            Ceu.objects.filter(of_chapters("member__chapter_id"), **in_window),
            "member_id",
            {"CEU": Sum("credits")},
        ),
        (
            Testimonial.objects.filter(of_chapters("giver__chapter_id"), **in_window),
            "giver_id",
            {"T": Count("pk")},
        ),
    ]
    parts = []
    for queryset, key, columns in sources:
        if member_ids is not None:
            queryset = queryset.filter(**{f"{key}__in": member_ids})
        select = {f"c{i}": columns.get(name, _zero(name)) for i, name in enumerate(COLUMNS)}
        parts.append(queryset.order_by().values(mid=F(key)).annotate(**select))
    return parts[0].union(*parts[1:], all=True).order_by()


# Compiling the union through the ORM costs more than running it, so its SQL is compiled once
# per shape (which database, how many chapters, how many members if only some) with stand-in
# values, and each call swaps its own chapters, members and dates into the parameters.
_SQL_CACHE: dict[tuple[str, int, int | None], tuple[str, list]] = {}
_START, _END = dt.date(1111, 1, 1), dt.date(1111, 1, 2)


def _chapter_stand_in(i: int) -> int:
    return -7_000_000 - i


def _member_stand_in(i: int) -> int:
    return -8_000_000 - i


def _activity_sql(
    chapter_ids: list[int],
    start: dt.date,
    end: dt.date,
    member_ids: list[int] | None = None,
    *,
    as_array: bool = False,
) -> tuple[str, list]:
    """The sources' union added up per member in the database: one row per member."""
    sql, params = _activity_parts(chapter_ids, start, end, member_ids, as_array=as_array)
    return _per_member(sql), params


def _per_member(parts: str) -> str:
    # Counts are added up as integers: PostgreSQL's SUM of a COUNT (a bigint) is numeric,
    # which it adds digit by digit (a region's edge days took 0.15 s more to add up).
    sums = ", ".join(
        f"SUM(c{i})" if name == "TYFCB" else f"SUM(CAST(c{i} AS INTEGER))"
        for i, name in enumerate(COLUMNS)
    )
    return f"SELECT mid, {sums} FROM ({parts}) AS parts GROUP BY mid"  # noqa: S608


def _activity_parts(
    chapter_ids: list[int],
    start: dt.date,
    end: dt.date,
    member_ids: list[int] | None = None,
    *,
    as_array: bool = False,
) -> tuple[str, list]:
    chapters = "array" if as_array else len(chapter_ids)
    key = (connection.vendor, chapters, None if member_ids is None else len(member_ids))
    if key not in _SQL_CACHE:
        stand_ins = [_chapter_stand_in(i) for i in range(1 if as_array else len(chapter_ids))]
        members = None if member_ids is None else [_member_stand_in(i) for i in range(key[2])]
        query = _activity_queryset(stand_ins, _START, _END, members, as_array=as_array).query
        sql, params = query.get_compiler(connection=connection).as_sql()
        _SQL_CACHE[key] = (sql, list(params))
    sql, template = _SQL_CACHE[key]
    swap = {_START: start, _END: end, _START.isoformat(): start.isoformat(),
            _END.isoformat(): end.isoformat()}  # fmt: skip
    swap |= {_chapter_stand_in(i): pk for i, pk in enumerate(chapter_ids)}
    swap |= {_member_stand_in(i): pk for i, pk in enumerate(member_ids or ())}
    return sql, [
        chapter_ids if isinstance(p, list) else swap.get(p, p)
        if isinstance(p, int | str | dt.date) else p
        for p in template
    ]  # fmt: skip


#: The rollup's whole periods added up per member: a query of its own, which PostgreSQL sums
#: in parallel (glued to the slips' union it was summed in one process, twice as slow).
_ROLLED_UP = (  # noqa: S608 - the rollup's own table and column names
    "SELECT member_id, {columns} FROM {table} WHERE chapter_id = ANY(%s::bigint[]) AND ("
    "(weeks = 4 AND week BETWEEN %s AND %s) OR (weeks = 1 AND week BETWEEN %s AND %s) "
    "OR (weeks = 1 AND week BETWEEN %s AND %s)) GROUP BY member_id"
).format(
    columns=", ".join(
        f"SUM({name})::numeric / 100" if name == "tyfcb_cents" else f"SUM({name})"
        for name in rollup.VALUES
    ),
    table=rollup.TABLE,
)
_EPOCH = dt.date.fromisoformat(rollup.EPOCH)


def _periods(weeks_from: dt.date, weeks_to: dt.date) -> list[dt.date]:
    """The weeks ``[weeks_from, weeks_to]`` (Mondays, inclusive) as the four-week periods
    wholly inside them and the weeks left over at either end: three ranges of Mondays, for
    ``_ROLLED_UP``'s parameters (an empty range runs from a later day to an earlier one)."""
    first = weeks_from + (-(weeks_from - _EPOCH).days % 28) * _DAY  # first period inside
    last = weeks_to - ((weeks_to - _EPOCH).days % 28) * _DAY  # the period weeks_to is in
    if last + 21 * _DAY > weeks_to:
        last -= 28 * _DAY
    if first > last:
        after = weeks_to + _DAY
        return [after, weeks_to, weeks_from, weeks_to, after, weeks_to]
    return [first, last, weeks_from, first - 7 * _DAY, last + 28 * _DAY, weeks_to]


def _rolled_up_sql(
    chapter_ids: list[int], start: dt.date, end: dt.date
) -> list[tuple[str, list, int]]:
    """A region's window read from the rollup (``reports.rollup``, kept by PostgreSQL): the
    same sums from 30,000 members × about ten periods instead of millions of slips.

    Returns statements that each give a row per member, and whether to add or take away its
    values. A week the window covers only in part is read from the slips for the days of it
    inside the window, or, when that is the longer part, taken whole from the rollup less the
    slips of the days outside: at most three days of slips at either end.
    """
    monday, last_monday = start - start.weekday() * _DAY, end - end.weekday() * _DAY
    if monday == last_monday and (start, end) != (monday, monday + 6 * _DAY):  # part of a week
        return [(*_activity_sql(chapter_ids, start, end, as_array=True), 1)]
    weeks_from, weeks_to, edges = monday, last_monday, []
    if start != monday:
        if 7 - start.weekday() <= start.weekday():
            weeks_from += 7 * _DAY
            edges.append((start, monday + 6 * _DAY, 1))
        else:
            edges.append((monday, start - _DAY, -1))
    if end != last_monday + 6 * _DAY:
        if end.weekday() + 1 <= 6 - end.weekday():
            weeks_to -= 7 * _DAY
            edges.append((last_monday, end, 1))
        else:
            edges.append((end + _DAY, last_monday + 6 * _DAY, -1))
    statements = []
    if weeks_from <= weeks_to:
        statements.append((_ROLLED_UP, [chapter_ids, *_periods(weeks_from, weeks_to)], 1))
    for edge_start, edge_end, sign in edges:
        statements.append((*_activity_sql(chapter_ids, edge_start, edge_end, as_array=True), sign))
    return statements


_DAY = dt.timedelta(days=1)
_IDS = ArrayField(BigIntegerField())


class _AnyOf(Lookup):
    """``column = ANY(array)``: a region's chapters as one parameter (PostgreSQL)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def _decimal(value) -> Decimal:
    """A money sum as the database returned it (SQLite hands back floats) to exact cents."""
    return (Decimal(repr(value)) if isinstance(value, float) else Decimal(value)).quantize(CENT)


def palms_totals(rows: Iterable[PalmsRow]) -> dict[str, int | Decimal]:
    totals: dict[str, int | Decimal] = {c: 0 for c in COLUMNS}
    totals["TYFCB"] = Decimal("0.00")
    for row in rows:
        for column in COLUMNS:
            totals[column] += row.values[column]
    return totals


def write_palms_csv(rows: Iterable[PalmsRow], out: IO[str]) -> None:
    """The PALMS CSV: the exact DOMAIN.md header, one line per row, ``\\n`` line endings."""
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(row.csv_cells())
