"""The weekly per-member rollup behind a region's PALMS, kept exact by PostgreSQL itself.

A region's PALMS for six months adds up about four million marks and slips; the rollup holds
what each member did in each calendar week (Monday to Sunday), by chapter, and again in each
four-week period, so the region reads thirty thousand members × about ten periods instead.
The database keeps it: a statement trigger on each source table adds what the statement's
new rows count and takes away what its old rows counted, in the same transaction, whatever
wrote them (a view, the admin, an import's ``COPY``, a cascade, raw SQL). A meeting that is
cancelled, moved or uncancelled moves its marks and visits with it.

What a row counts is exactly what ``reports.palms`` counts for that member, chapter and period:
a mark at a held meeting, a visit a member's visitor attended, each slip by its date (a done
1-2-1 once for each of its two members, TYFCB for the member thanked). The weeks a window
only partly covers are read from the slips themselves (``reports.palms``).

Only PostgreSQL keeps the rollup; a laptop's SQLite runs one chapter and reads the slips.

The migrations that install the triggers hold their SQL frozen, as this module wrote it then
(``install_sql``, ``remove_sql``); ``expected`` says what it would install now, and
``tests/test_trigger_drift.py`` fails while a change here has no migration that installs it.
"""

from collections.abc import Iterable
from contextlib import contextmanager

from django.db import connection

from triggers.catalog import Catalog

TABLE = "reports_memberweek"
#: The rollup's value columns, in ``reports.palms.COLUMNS`` order.
VALUES = (
    "p",
    "a",
    "l",
    "m",
    "s",
    "rgi",
    "rgo",
    "rri",
    "rro",
    "v",
    "one_to_ones",
    "tyfcb_cents",
    "ceu",
    "t",
)
KEY = ("member_id", "chapter_id", "weeks", "week")
#: Four-week periods start on this Monday and every 28 days from it (``weeks = 4`` rows).
EPOCH = "2001-01-01"
#: A transaction that sets this to ``deferred`` (``deferred()``) writes without the triggers
#: keeping the rollup, and counts its chapter's rows again before it commits.
SETTING = "slipstream.rollup"


def _week(column: str) -> str:
    return f"date_trunc('week', {column})::date"


def _select(member: str, chapter: str, day: str, values: dict[str, str], rest: str) -> str:
    cells = ", ".join(f"{values.get(name, '0')} AS {name}" for name in VALUES)
    key = f"{member} AS member_id, {chapter} AS chapter_id, {_week(day)} AS week"
    return f"SELECT {key}, {cells} {rest}"


def _marks(rows: str, meetings: str) -> str:
    """Marks at held meetings: ``rows`` are marks, ``meetings`` the meetings they are at."""
    marks = {name: f"(r.mark = '{name.upper()}')::int" for name in ("p", "a", "l", "m", "s")}
    return _select(
        "r.member_id",
        "mt.chapter_id",
        "mt.date",
        marks,
        f"FROM {rows} r JOIN {meetings} mt ON mt.id = r.meeting_id WHERE NOT mt.cancelled",
    )


def _visits(rows: str, meetings: str) -> str:
    return _select(
        "r.invited_by_id",
        "mt.chapter_id",
        "mt.date",
        {"v": "1"},
        f"FROM {rows} r JOIN {meetings} mt ON mt.id = r.meeting_id "
        "WHERE r.attended AND NOT mt.cancelled AND r.invited_by_id IS NOT NULL",
    )


def _slips(table: str, rows: str) -> list[str]:
    """What each kind of slip counts, for whom: ``rows`` are rows of ``table``. Each side is
    counted for the member it links, in that member's own chapter (a slip across the chapter
    line counts in both chapters); a side with no member (someone outside Slipstream, an
    unknown writer) counts for nobody."""
    inside, outside = "(r.kind = 'inside')::int", "(r.kind = 'outside')::int"
    by_date = {
        "referrals_referral": [
            ("giver_id", {"rgi": inside, "rgo": outside}, ""),
            ("receiver_id", {"rri": inside, "rro": outside}, ""),
        ],
        "referrals_onetoone": [
            ("member_a_id", {"one_to_ones": "1"}, "WHERE r.status = 'done'"),
            ("member_b_id", {"one_to_ones": "1"}, "WHERE r.status = 'done'"),
        ],
        "referrals_tyfcb": [("thanked_id", {"tyfcb_cents": "(r.amount * 100)::bigint"}, "")],
        "referrals_ceu": [("member_id", {"ceu": "r.credits"}, "")],
        "referrals_testimonial": [("giver_id", {"t": "1"}, "")],
    }[table]
    return [
        _select(
            "pm.id",
            "pm.chapter_id",
            "r.date",
            values,
            f"FROM {rows} r JOIN members_member pm ON pm.id = r.{member} {where}",
        )
        for member, values, where in by_date
    ]


#: What the rows of each source table count: SQL over ``{rows}``, a set of that table's rows.
SOURCES = {
    "meetings_attendance": lambda rows: [_marks(rows, "meetings_meeting")],
    "meetings_visit": lambda rows: [_visits(rows, "meetings_meeting")],
    **{
        table: (lambda rows, table=table: _slips(table, rows))
        for table in (
            "referrals_referral",
            "referrals_onetoone",
            "referrals_tyfcb",
            "referrals_ceu",
            "referrals_testimonial",
        )
    },
}


def _meeting_moves(meetings: str) -> list[str]:
    """A meeting's own change (cancelled, date, chapter) moves its marks and visits."""
    return [_marks("meetings_attendance", meetings), _visits("meetings_visit", meetings)]


def _sums(plus: list[str], minus: list[str]) -> str:
    """What ``plus`` counts less what ``minus`` counted, per member, chapter and period: its
    week, and the four weeks from ``EPOCH`` it falls in (the periods where it comes to nothing
    left out: a status change need not touch the rollup)."""
    parts = [f"SELECT 1 AS sign, * FROM ({sql}) AS c" for sql in plus]
    parts += [f"SELECT -1 AS sign, * FROM ({sql}) AS c" for sql in minus]
    sums = ", ".join(f"SUM(sign * {name})" for name in VALUES)
    moved = " OR ".join(f"SUM(sign * {name}) <> 0" for name in VALUES)
    since = f"(d.week - DATE '{EPOCH}')"
    period = f"CASE WHEN p.weeks = 1 THEN d.week ELSE d.week - ({since} % 28 + 28) % 28 END"
    return (
        f"SELECT d.member_id, d.chapter_id, p.weeks, {period}, {sums} "
        f"FROM ({' UNION ALL '.join(parts)}) AS d "
        "CROSS JOIN (VALUES (1::smallint), (4::smallint)) AS p (weeks) "
        f"GROUP BY 1, 2, 3, 4 HAVING {moved}"
    )


def _add(plus: list[str], minus: list[str]) -> str:
    """Add what ``plus`` counts to the rollup and take away what ``minus`` counted."""
    updates = ", ".join(f"{name} = {TABLE}.{name} + EXCLUDED.{name}" for name in VALUES)
    return (
        f"INSERT INTO {TABLE} ({', '.join((*KEY, *VALUES))}) {_sums(plus, minus)} "
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {updates}"
    )


def _trigger(table: str, event: str, body: str) -> list[str]:
    name = f"slipstream_rollup_{table}_{event}"
    refs = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }[event]
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF current_setting('{SETTING}', true) = 'deferred' THEN RETURN NULL; END IF; "
        f"{body}; RETURN NULL; END $$",
        f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} REFERENCING {refs} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]


def install_sql() -> list[str]:
    """The statements that install every trigger of the rollup: what a migration freezes."""
    statements = []
    for table, counts in SOURCES.items():
        statements += _trigger(table, "insert", _add(counts("new_rows"), []))
        statements += _trigger(table, "update", _add(counts("new_rows"), counts("old_rows")))
        statements += _trigger(table, "delete", _add([], counts("old_rows")))
    moved = (
        "(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE (n.date, n.cancelled, n.chapter_id) IS DISTINCT FROM "
        "(o.date, o.cancelled, o.chapter_id))"
    )
    was = moved.replace("SELECT n.*", "SELECT o.*")
    statements += _trigger(
        "meetings_meeting", "update", _add(_meeting_moves(moved), _meeting_moves(was))
    )
    return statements


def remove_sql() -> list[str]:
    """The statements that remove every trigger of the rollup."""
    statements = []
    for table, events in [
        *((t, ("insert", "update", "delete")) for t in SOURCES),
        ("meetings_meeting", ("update",)),
    ]:
        for event in events:
            name = f"slipstream_rollup_{table}_{event}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"DROP FUNCTION IF EXISTS {name}()",
            ]
    return statements


def recount_sql(chapter_id: int | None = None) -> str:
    """Every member-period counted afresh from the source tables, or one chapter's (the
    backfill, a bulk load's rebuild, and the test that the triggers kept it equal)."""
    parts = [sql for table, counts in SOURCES.items() for sql in counts(table)]
    if chapter_id is not None:
        parts = [
            f"SELECT * FROM ({sql}) AS one WHERE chapter_id = {int(chapter_id)}" for sql in parts
        ]
    return _sums(parts, [])


def rebuild(chapters: int | Iterable[int] | None = None) -> None:
    """Count these chapters' rows afresh (one id, several, or every chapter's with ``None``):
    exact by construction."""
    if connection.vendor != "postgresql":
        return
    if chapters is None:
        each: list[int | None] = [None]
    else:
        each = sorted({chapters} if isinstance(chapters, int) else set(chapters))
    with connection.cursor() as cursor:
        for chapter_id in each:
            for sql in _refill_sql(chapter_id):
                cursor.execute(sql)


def _refill_sql(chapter_id: int | None) -> list[str]:
    empty = (
        f"TRUNCATE {TABLE}"  # no dead rows left behind for a region's read to skip over
        if chapter_id is None
        else f"DELETE FROM {TABLE} WHERE chapter_id = {int(chapter_id)}"
    )
    # Stored in period order: a region's read of six months then reads the pages of those
    # periods, not a few rows from every page of the table (rows added later, for new weeks,
    # go to the end of the table, in period order again).
    return [
        empty,
        f"INSERT INTO {TABLE} ({', '.join((*KEY, *VALUES))}) "
        # ORDER BY weeks, week, chapter (the recount's columns 3, 4 and 2)
        f"SELECT * FROM ({recount_sql(chapter_id)}) AS counted ORDER BY 3, 4, 2",
    ]


@contextmanager
def deferred(chapters: int | Iterable[int]):
    """A bulk load of one chapter (``import_chapter``): the triggers stand aside and the rows
    of ``chapters`` are counted once at the end, in the same transaction. Each source table's
    statement would otherwise add into the same member-periods again, seven times over (a
    third of an import's time).

    ``chapters`` names every chapter whose members the load's rows count for: a slip across
    the chapter line counts in the other member's chapter too. It is read when the load ends,
    so a collection the loader keeps adding to as it meets such slips (``ImportContext``'s
    ``chapter_ids``) is counted whole; a chapter left out would keep stale counts."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("the rollup is deferred only inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'deferred', true)", [SETTING])
    try:
        yield
    finally:
        if not connection.needs_rollback:  # else the whole transaction is undone anyway
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', true)", [SETTING])
    if not connection.needs_rollback:
        rebuild(chapters)


def expected(vendor: str) -> Catalog:
    """The rollup's trigger functions and triggers as this code would install them today on
    ``vendor`` (none on SQLite): a migrated database must hold exactly these."""
    return Catalog.created_by(install_sql() if vendor == "postgresql" else [])
