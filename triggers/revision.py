"""A chapter's revision: a number the database moves on every write that a page reads.

The president's pages recompute every light, the attendance policy, the matrix and the trend
from two years of slips on each visit, and a member's pages read their slips and the roster.
What they show changes only when something of the chapter is written, so they are kept in the
cache under the chapter's revision (``pages.kept``), and a write anywhere (a view, the admin, an
import's ``COPY``, a cascade, raw SQL) moves the revision in the same transaction: the
database's triggers do it, not the Python that happens to write. A page therefore never shows a
fragment older than what it read, and no code path can forget to invalidate one.

The revision is a timestamp in microseconds that only ever grows (at least one more than
before), so it is never reused: not after a restore from a backup, not across databases that
share one cache.

PostgreSQL bumps once per statement (transition tables), so a bulk load of 50,000 rows costs one
update of the chapter row; SQLite bumps once per row. The chapter row's own updates (its
settings, or Django saving a copy that holds an older revision) move it too.

The migrations that install the triggers hold their SQL frozen, as this module wrote it then;
``expected`` says what it would install now, and ``tests/test_trigger_drift.py`` fails while a
change here has no migration that installs it (docs/architecture.md, "Why triggers").
"""

from django.db import connection

from triggers.catalog import Catalog

CHAPTER = "members_chapter"
_NOW_PG = "floor(extract(epoch from clock_timestamp()) * 1000000)::bigint"
_NOW_SQLITE = "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)"

#: How the rows of a table name their chapters: SQL over ``{rows}`` (a PostgreSQL transition
#: table) and over ``{row}`` (SQLite's ``NEW`` or ``OLD``), by the shape of the table: its own
#: ``chapter_id``; the chapter of its meeting or member; or the chapters of the members that
#: point at it (a user, a trade, a trade's contact sphere).
_MEMBERS_OF_SPHERE = (
    "SELECT m.chapter_id FROM members_member m "
    "JOIN members_classification c ON m.classification_id = c.id "
)
VIA = {
    "chapter": ("SELECT r.chapter_id FROM {rows} r", "SELECT {row}.chapter_id"),
    "meeting": (
        "SELECT p.chapter_id FROM meetings_meeting p JOIN {rows} r ON p.id = r.meeting_id",
        "SELECT chapter_id FROM meetings_meeting WHERE id = {row}.meeting_id",
    ),
    "member": (
        "SELECT p.chapter_id FROM members_member p JOIN {rows} r ON p.id = r.member_id",
        "SELECT chapter_id FROM members_member WHERE id = {row}.member_id",
    ),
    "user": (
        "SELECT m.chapter_id FROM members_member m JOIN {rows} r ON m.user_id = r.id",
        "SELECT chapter_id FROM members_member WHERE user_id = {row}.id",
    ),
    "classification": (
        "SELECT m.chapter_id FROM members_member m JOIN {rows} r ON m.classification_id = r.id",
        "SELECT chapter_id FROM members_member WHERE classification_id = {row}.id",
    ),
    "sphere": (
        _MEMBERS_OF_SPHERE + "JOIN {rows} r ON c.sphere_id = r.id",
        _MEMBERS_OF_SPHERE + "WHERE c.sphere_id = {row}.id",
    ),
}


def _slip_chapters(*parties: str) -> tuple[str, str]:
    """A slip's own chapter and the chapters of the members it links: a slip across the
    chapter line is on the pages of both chapters."""
    pg = " UNION ".join(
        [
            "SELECT r.chapter_id FROM {rows} r",
            *(
                f"SELECT m.chapter_id FROM members_member m JOIN {{rows}} r ON m.id = r.{p}_id"
                for p in parties
            ),
        ]
    )
    linked = ", ".join(f"{{row}}.{p}_id" for p in parties)
    sqlite = (
        "SELECT {row}.chapter_id UNION "
        f"SELECT chapter_id FROM members_member WHERE id IN ({linked})"
    )
    return pg, sqlite


VIA |= {
    "referral": _slip_chapters("giver", "receiver"),
    "tyfcb": _slip_chapters("writer", "thanked"),
    "one_to_one": _slip_chapters("member_a", "member_b"),
    "testimonial": _slip_chapters("giver", "receiver"),
}
#: The tables whose writes move a chapter's revision, each with how its rows name their
#: chapters (``VIA``). A table added here needs a migration that installs its triggers.
TRACKED = {
    "members_member": "chapter",
    "members_role": "member",
    "members_memberstatuschange": "member",
    "members_user": "user",
    "members_classification": "classification",
    "members_contactsphere": "sphere",
    "meetings_meeting": "chapter",
    "meetings_attendance": "meeting",
    "meetings_visitor": "chapter",
    "meetings_visit": "meeting",
    "referrals_referral": "referral",
    "referrals_tyfcb": "tyfcb",
    "referrals_onetoone": "one_to_one",
    "referrals_ceu": "chapter",
    "referrals_testimonial": "testimonial",
}
#: A user's row is rewritten at every login (``last_login``): only what the pages show counts.
ONLY_WHEN = {"user": ("first_name", "last_name", "email")}
#: The tables that make a chapter's roster: who is in it, their names, trades and roles. A write
#: to one moves the chapter's ``roster_revision`` too; what only lists the roster (the slip
#: form's member picker) is kept under that, and stays kept while slips and marks pour in.
ROSTER = frozenset(
    {
        "members_member",
        "members_role",
        "members_memberstatuschange",
        "members_user",
        "members_classification",
        "members_contactsphere",
    }
)
#: Columns of a chapter row that only count writes: any other column a statement changes (the
#: chapter's settings) moves the roster's revision as well.
COUNTERS = ("revision", "roster_revision")


def _bump(table: str) -> str:
    moved = "revision = revision + 1"
    if table in ROSTER:
        moved += ", roster_revision = roster_revision + 1"
    return f"UPDATE {CHAPTER} SET {moved} WHERE id IN ({{ids}})"


def _pg_install(table: str, via: str) -> list[str]:
    chapters = VIA[via][0]
    updated = f"{chapters.format(rows='new_rows')} UNION {chapters.format(rows='old_rows')}"
    if via in ONLY_WHEN:
        columns = ONLY_WHEN[via]
        updated = (
            f"{chapters.format(rows='new_rows')} JOIN old_rows o ON o.id = r.id WHERE "
            f"({', '.join('r.' + c for c in columns)}) IS DISTINCT FROM "
            f"({', '.join('o.' + c for c in columns)})"
        )
    events = {
        "insert": ("NEW TABLE AS new_rows", chapters.format(rows="new_rows")),
        "update": ("OLD TABLE AS old_rows NEW TABLE AS new_rows", updated),
        "delete": ("OLD TABLE AS old_rows", chapters.format(rows="old_rows")),
    }
    statements = []
    for event, (refs, ids) in events.items():
        name = f"slipstream_revision_{table}_{event}"
        statements += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {_bump(table).format(ids=ids)}; RETURN NULL; END $$",
            f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} REFERENCING {refs} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return statements


def _sqlite_install(table: str, via: str) -> list[str]:
    chapters = VIA[via][1]
    new, old = chapters.format(row="NEW"), chapters.format(row="OLD")
    when = ""
    if via in ONLY_WHEN:
        when = "WHEN " + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in ONLY_WHEN[via]) + " "
    events = {"insert": ("", new), "update": (when, f"{new} UNION {old}"), "delete": ("", old)}
    return [
        f"CREATE TRIGGER slipstream_revision_{table}_{event} AFTER {event.upper()} ON {table} "
        f"FOR EACH ROW {condition}BEGIN {_bump(table).format(ids=ids)}; END"
        for event, (condition, ids) in events.items()
    ]


def _drop(table: str, vendor: str) -> list[str]:
    statements = []
    for event in ("insert", "update", "delete"):
        name = f"slipstream_revision_{table}_{event}"
        if vendor == "postgresql":
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"DROP FUNCTION IF EXISTS {name}()",
            ]
        else:
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
    return statements


def table_sql(table: str, vendor: str) -> tuple[list[str], list[str]]:
    """The statements that install ``table``'s triggers afresh on ``vendor`` (``"postgresql"``
    or ``"sqlite"``), and those that remove them: what a migration freezes."""
    make = _pg_install if vendor == "postgresql" else _sqlite_install
    return _drop(table, vendor) + make(table, TRACKED[table]), _drop(table, vendor)


def _settings_changed_sqlite() -> str:
    """SQLite has no row-to-JSON: the chapter's columns other than the counters, one by one. A
    column added to ``Chapter`` changes this, and the drift test asks for a migration."""
    from members.models import Chapter

    columns = [f.column for f in Chapter._meta.concrete_fields if f.column not in COUNTERS]
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)


def chapter_row_sql(vendor: str) -> tuple[list[str], list[str]]:
    """A new chapter starts at now, and any update of a chapter row moves its revision forward,
    to at least now, whatever the statement wrote into it: a stale copy saved by the admin
    cannot move it back. The roster's revision moves the same way when the statement asked for
    it (a roster table's trigger) or changed any of the chapter's own settings; a statement that
    only counted a write (a slip, a mark) leaves it. The statements that install that, and
    those that remove them."""
    if vendor == "postgresql":
        counters = "'{revision,roster_revision}'::text[]"
        return (
            [
                "CREATE OR REPLACE FUNCTION slipstream_revision_start() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN NEW.revision := {_NOW_PG}; "
                f"NEW.roster_revision := {_NOW_PG}; RETURN NEW; END $$",
                "CREATE OR REPLACE FUNCTION slipstream_revision_forward() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                f"NEW.revision := GREATEST(OLD.revision + 1, {_NOW_PG}); "
                "IF NEW.roster_revision IS DISTINCT FROM OLD.roster_revision "
                f"OR to_jsonb(NEW) - {counters} IS DISTINCT FROM to_jsonb(OLD) - {counters} THEN "
                f"NEW.roster_revision := GREATEST(OLD.roster_revision + 1, {_NOW_PG}); "
                "END IF; RETURN NEW; END $$",
                f"CREATE TRIGGER slipstream_revision_forward BEFORE UPDATE ON {CHAPTER} "
                "FOR EACH ROW EXECUTE FUNCTION slipstream_revision_forward()",
                f"CREATE TRIGGER slipstream_revision_start BEFORE INSERT ON {CHAPTER} "
                "FOR EACH ROW EXECUTE FUNCTION slipstream_revision_start()",
            ],
            [
                f"DROP TRIGGER IF EXISTS slipstream_revision_forward ON {CHAPTER}",
                f"DROP TRIGGER IF EXISTS slipstream_revision_start ON {CHAPTER}",
                "DROP FUNCTION IF EXISTS slipstream_revision_forward()",
                "DROP FUNCTION IF EXISTS slipstream_revision_start()",
            ],
        )
    # SQLite cannot assign NEW: the row is updated again, once (recursive triggers are off).
    roster_moved = f"NEW.roster_revision IS NOT OLD.roster_revision OR {_settings_changed_sqlite()}"
    return (
        [
            f"CREATE TRIGGER slipstream_revision_forward AFTER UPDATE ON {CHAPTER} "
            f"FOR EACH ROW BEGIN UPDATE {CHAPTER} SET revision = "
            f"MAX(OLD.revision + 1, {_NOW_SQLITE}), roster_revision = CASE WHEN {roster_moved} "
            f"THEN MAX(OLD.roster_revision + 1, {_NOW_SQLITE}) ELSE OLD.roster_revision END "
            "WHERE id = NEW.id; END",
            f"CREATE TRIGGER slipstream_revision_start AFTER INSERT ON {CHAPTER} "
            f"FOR EACH ROW BEGIN UPDATE {CHAPTER} SET revision = {_NOW_SQLITE}, "
            f"roster_revision = {_NOW_SQLITE} WHERE id = NEW.id; END",
        ],
        [
            "DROP TRIGGER IF EXISTS slipstream_revision_forward",
            "DROP TRIGGER IF EXISTS slipstream_revision_start",
        ],
    )


def expected(vendor: str) -> Catalog:
    """The revision's trigger functions and triggers as this code would install them today on
    ``vendor``: a migrated database must hold exactly these."""
    statements = chapter_row_sql(vendor)[0]
    for table in TRACKED:
        statements += table_sql(table, vendor)[0]
    return Catalog.created_by(statements)


def touch(*chapter_ids: int) -> None:
    """Move the chapters' revisions on purpose: their fragments are drawn afresh next time
    (the bench and the query-count tests measure a page that way, as after any write)."""
    if not chapter_ids:
        return
    marks = ", ".join(["%s"] * len(chapter_ids))
    with connection.cursor() as cursor:  # the trigger moves each revision on from here
        cursor.execute(
            f"UPDATE {CHAPTER} SET revision = 0, roster_revision = 0 WHERE id IN ({marks})",
            chapter_ids,
        )
