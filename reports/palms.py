"""PALMS, the per-member activity report, exactly as DOMAIN.md defines it.

One grouped SELECT per source (attendance, referrals given and received, visits, 1-2-1s,
TYFCB, CEUs, testimonials), sent as a single UNION ALL, plus one query for the members: two
queries whatever the chapter's size or the window's length, and the same code serves one
chapter or a whole region.
"""

import contextlib
import datetime as dt
import functools
import operator
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from meetings.models import Attendance, Meeting, Visit
from members.csvsafe import SafeWriter
from members.models import Chapter, Member
from referrals.models import Ceu, OneToOne, Referral, Testimonial, Tyfcb

from . import rollup

MARKS = ("P", "A", "L", "M", "S")
COUNT_COLUMNS = (*MARKS, "RGI", "RGO", "RRI", "RRO", "V", "121")
COLUMNS = (*COUNT_COLUMNS, "TYFCB", "CEU", "T")
CSV_HEADER = ("member_email", "member_name", *COLUMNS)
CENT = Decimal("0.01")
_NOTHING = {c: 0 for c in COLUMNS} | {"TYFCB": Decimal("0.00")}
MEMBER_FIELDS = (
    "pk",
    "chapter_id",
    "user__email",
    "user__first_name",
    "user__last_name",
    "joined_on",
    "left_on",
    "status",
)


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
    def shown(self) -> list[tuple[str, int | Decimal]]:
        """The row's numbers in column order with their column, for a page to draw each as
        its column needs (TYFCB as money)."""
        return [(column, self.values[column]) for column in COLUMNS]

    @property
    def cells(self) -> list[str]:
        """The row's numbers in column order, as the CSV writes them (TYFCB with 2 decimals)."""
        return self.csv_cells()[2:]

    def csv_cells(self) -> list[str]:
        cells = [self.email, self.name]
        for column in COLUMNS:
            value = self.values[column]
            cells.append(f"{value:.2f}" if column == "TYFCB" else str(value))
        return cells


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
    threshold = None
    try:
        aside.ensure_connection()
        # Run once, planned for its values; the connection may go back to a pool afterwards,
        # so it gets its own threshold back.
        threshold, aside.connection.prepare_threshold = aside.connection.prepare_threshold, None
        with aside.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # checked above
            cursor.execute(_WORK_MEM)
            cursor.execute(sql, params)
            records = cursor.fetchall()
            cursor.execute("COMMIT")
        return records
    finally:
        if aside.connection is not None:
            aside.connection.prepare_threshold = threshold
        aside.close()


#: What ``pg_export_snapshot()`` returns, such as ``00000003-0000001B-1``.
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")


@contextlib.contextmanager
def _never_prepared(one_off: bool):
    """A region's queries (a thousand chapters' ids) run unprepared, with plans made for their
    values.

    ``chapter.settings`` has psycopg prepare a statement sent twice and PostgreSQL plan it once
    for any values (``plan_cache_mode=force_generic_plan``): right for a page's short queries,
    whose planning costs more than running them; wrong for a region's union, whose best plan
    depends on how many chapters and which days it reads, and which runs too rarely for
    planning once to pay. psycopg's public ``Connection.prepare_threshold`` (``None``: never
    prepare) is set for the block and put back after it; tests/reports/test_palms.py checks
    both sides."""
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


def _members(chapter_ids: list[int], start, end, member_ids) -> list[dict]:
    """The members who belonged in the window: one query, only the columns a row shows."""
    return list(_belonging(chapter_ids, start, end, member_ids and list(member_ids)))


#: The sources PALMS counts, each grouped by the member it credits: its rows (``FROM``), the
#: chapter column and the date column the window and the chapters pick by, any condition of
#: its own, the member column, and the columns it fills (the others are zero). A slip is read
#: by the chapter of the member it credits, not by its own chapter: a slip across the chapter
#: line counts in both chapters (DOMAIN.md); attendance and visits by the meeting's chapter,
#: only at meetings held (not cancelled).
_SOURCES = [
    (
        "{attendance} s JOIN {meeting} m ON m.id = s.meeting_id",
        "m.chapter_id",
        "m.date",
        "NOT m.cancelled",
        "s.member_id",
        {mark: f"COUNT(*) FILTER (WHERE s.mark = '{mark}')" for mark in MARKS},
    ),
    (
        "{referral} s JOIN {member} p ON p.id = s.giver_id",
        "p.chapter_id",
        "s.date",
        "",
        "s.giver_id",
        {
            "RGI": "COUNT(*) FILTER (WHERE s.kind = '{inside}')",
            "RGO": "COUNT(*) FILTER (WHERE s.kind = '{outside}')",
        },
    ),
    (
        "{referral} s JOIN {member} p ON p.id = s.receiver_id",
        "p.chapter_id",
        "s.date",
        "",
        "s.receiver_id",
        {
            "RRI": "COUNT(*) FILTER (WHERE s.kind = '{inside}')",
            "RRO": "COUNT(*) FILTER (WHERE s.kind = '{outside}')",
        },
    ),
    (
        "{visit} s JOIN {meeting} m ON m.id = s.meeting_id",
        "m.chapter_id",
        "m.date",
        "s.attended AND NOT m.cancelled",
        "s.invited_by_id",
        {"V": "COUNT(*)"},
    ),
    (
        "{one_to_one} s JOIN {member} p ON p.id = s.member_a_id",
        "p.chapter_id",
        "s.date",
        "s.status = '{done}'",
        "s.member_a_id",
        {"121": "COUNT(*)"},
    ),
    (
        "{one_to_one} s JOIN {member} p ON p.id = s.member_b_id",
        "p.chapter_id",
        "s.date",
        "s.status = '{done}'",
        "s.member_b_id",
        {"121": "COUNT(*)"},
    ),
    (
        "{tyfcb} s JOIN {member} p ON p.id = s.thanked_id",
        "p.chapter_id",
        "s.date",
        "",
        "s.thanked_id",
        {"TYFCB": "SUM(s.amount)"},
    ),
    (
        "{ceu} s JOIN {member} p ON p.id = s.member_id",
        "p.chapter_id",
        "s.date",
        "",
        "s.member_id",
        {"CEU": "SUM(s.credits)"},
    ),
    (
        "{testimonial} s JOIN {member} p ON p.id = s.giver_id",
        "p.chapter_id",
        "s.date",
        "",
        "s.giver_id",
        {"T": "COUNT(*)"},
    ),
]
#: The tables and the constants the sources name: the models' own, never input.
_NAMES = {
    "attendance": Attendance._meta.db_table,
    "meeting": Meeting._meta.db_table,
    "visit": Visit._meta.db_table,
    "member": Member._meta.db_table,
    "referral": Referral._meta.db_table,
    "one_to_one": OneToOne._meta.db_table,
    "tyfcb": Tyfcb._meta.db_table,
    "ceu": Ceu._meta.db_table,
    "testimonial": Testimonial._meta.db_table,
    "inside": Referral.Kind.INSIDE.value,
    "outside": Referral.Kind.OUTSIDE.value,
    "done": OneToOne.Status.DONE.value,
}


def _activity_sql(
    chapter_ids: list[int],
    start: dt.date,
    end: dt.date,
    member_ids: list[int] | None = None,
    *,
    as_array: bool = False,
) -> tuple[str, list]:
    """Every source grouped by member, glued with UNION ALL and added up per member in the
    database: one statement, one row per member, for all the columns.

    Written as SQL, not built with the ORM on each call: the union of nine grouped parts
    took the ORM longer to compile than PostgreSQL took to run it, and the ORM cannot group
    a union's rows again. The text depends only on how many chapters and members are asked
    for (one chapter's page sends the same text each time, which the database prepares
    once), so each process writes each text once (``_activity_text``); the ids and dates are
    parameters. With ``member_ids`` each part reads only those members' rows (through their
    own indexes). ``as_array`` (PostgreSQL) names a region's chapters as one array,
    ``= ANY(%s)``, not a thousand parameters in each of the nine parts for the driver to
    splice and the database to parse.
    """
    chapter_params = [list(chapter_ids)] if as_array else list(chapter_ids)
    members = None if member_ids is None else len(member_ids)
    sql = _activity_text(0 if as_array else len(chapter_ids), members, as_array)
    params = []
    for _ in _SOURCES:
        params += [*chapter_params, start, end, *(member_ids or ())]
    return sql, params


@functools.lru_cache(maxsize=256)
def _activity_text(chapter_count: int, member_count: int | None, as_array: bool) -> str:
    """``_activity_sql``'s statement for so many chapters (an array's one parameter when
    ``as_array``) and members (``None``: every member of the chapters)."""
    listed = ", ".join(["%s"] * chapter_count)
    chapters = "= ANY(%s::bigint[])" if as_array else f"IN ({listed})"
    members = None if member_count is None else ", ".join(["%s"] * member_count)
    parts = []
    for rows, chapter, day, condition, key, filled in _SOURCES:
        columns = ", ".join(filled.get(name, "0") + f" AS c{i}" for i, name in enumerate(COLUMNS))
        where = [f"{chapter} {chapters}", f"{day} BETWEEN %s AND %s"]
        where += [condition] if condition else []
        where += [f"{key} IN ({members})"] if members is not None else []
        parts.append(
            f"SELECT {key} AS mid, {columns} FROM {rows} "  # noqa: S608 - names above, no input
            f"WHERE {' AND '.join(where)} GROUP BY {key}"
        )
    return _per_member(" UNION ALL ".join(parts).format(**_NAMES))


def _per_member(parts: str) -> str:
    # Counts are added up as integers: PostgreSQL's SUM of a COUNT (a bigint) is numeric,
    # which it adds digit by digit.
    sums = ", ".join(
        f"SUM(c{i})" if name == "TYFCB" else f"SUM(CAST(c{i} AS INTEGER))"
        for i, name in enumerate(COLUMNS)
    )
    return f"SELECT mid, {sums} FROM ({parts}) AS parts GROUP BY mid"  # noqa: S608


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
