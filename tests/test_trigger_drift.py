"""The triggers a migrated database holds are exactly the ones the code writes today.

The migrations install trigger SQL frozen when they were written (``triggers.operations.
VendorSQL``); the generators, ``triggers/revision.py`` and ``reports/rollup.py``, say what the
code would install now. A change to a generator reaches no database until a migration carries
it, so these tests fail until one does, naming each function and trigger that differs.
The directory's triggers (members migration 0005) are written in that migration alone, with
no generator, and are left out.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from reports import rollup
from triggers import revision
from triggers.catalog import Catalog

pytestmark = pytest.mark.django_db

#: The names of the generators' functions and triggers start with these.
FAMILIES = ("slipstream_revision_", "slipstream_rollup_")
FIX = "write a migration that installs it (triggers.operations.VendorSQL, docs/architecture.md)"


def written() -> Catalog:
    return revision.expected(connection.vendor) | rollup.expected(connection.vendor)


def installed() -> Catalog:
    """The generators' functions and triggers in the database under test, as the database
    prints them (PostgreSQL names the schema of a trigger's table; the code leaves it out)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT proname, prosrc FROM pg_proc "
                "WHERE prorettype = 'trigger'::regtype AND pg_function_is_visible(oid)"
            )
            functions = dict(cursor.fetchall())
            cursor.execute(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"
            )
            triggers = {
                name: re.sub(r" ON public\.", " ON ", sql) for name, sql in cursor.fetchall()
            }
        else:
            functions = {}
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = dict(cursor.fetchall())
    ours = lambda found: {n: v for n, v in found.items() if n.startswith(FAMILIES)}  # noqa: E731
    return Catalog(ours(functions), ours(triggers))


def differences(kind: str, code: dict[str, str], database: dict[str, str]) -> list[str]:
    problems = []
    for name in sorted(code.keys() | database.keys()):
        if name not in database:
            problems.append(f"{kind} {name} is in the code but not in the database: {FIX}")
        elif name not in code:
            problems.append(
                f"{kind} {name} is in the database but no longer in the code: write a "
                "migration that drops it, or write it again in the code"
            )
        elif code[name] != database[name]:
            problems.append(
                f"{kind} {name} in the code differs from the database's: {FIX}\n"
                f"  code:     {code[name]}\n  database: {database[name]}"
            )
    return problems


@pytest.mark.postgres
def test_every_trigger_function_is_the_one_the_code_writes():
    code, database = written().functions, installed().functions
    assert code, "the generators wrote no function"
    problems = differences("function", code, database)
    assert not problems, "\n".join(problems)


def test_every_trigger_is_the_one_the_code_writes():
    """On SQLite too: it keeps each trigger's statement as it was written."""
    code, database = written().triggers, installed().triggers
    assert code, "the generators wrote no trigger"
    problems = differences("trigger", code, database)
    assert not problems, "\n".join(problems)


#: The migrations that first install the generators' triggers, and which of them each installs.
FIRST_INSTALLED = {
    ("members", "0004_chapter_revision"): (
        "slipstream_revision_members_",
        "slipstream_revision_forward",
        "slipstream_revision_start",
    ),
    ("meetings", "0005_chapter_revision"): ("slipstream_revision_meetings_",),
    ("referrals", "0007_chapter_revision"): ("slipstream_revision_referrals_",),
    ("reports", "0002_member_week_kept_by_triggers"): ("slipstream_rollup_",),
}


@pytest.mark.postgres
@pytest.mark.parametrize(("app", "migration"), FIRST_INSTALLED)
def test_sqlmigrate_shows_the_trigger_sql(app, migration):
    """The SQL is in the migration itself, not produced by code that runs at migrate time."""
    out = io.StringIO()
    call_command("sqlmigrate", app, migration, stdout=out)
    shown = out.getvalue()
    triggers = {
        name: sql
        for name, sql in written().triggers.items()
        if name.startswith(FIRST_INSTALLED[app, migration])
    }
    assert triggers
    for name, sql in triggers.items():
        assert sql in shown, f"sqlmigrate {app} {migration} does not show {name}"
    assert "CREATE OR REPLACE FUNCTION" in shown
