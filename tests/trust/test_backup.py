"""``scripts/backup`` and ``scripts/restore`` (``make backup`` / ``make restore``): a chapter
with history, backed up and restored into an empty database, gives the same PALMS."""

import datetime as dt
import os
import secrets
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.factories import (
    AttendanceFactory,
    CeuFactory,
    MeetingFactory,
    MemberFactory,
    OneToOneFactory,
    ReferralFactory,
    TyfcbFactory,
    VisitFactory,
    VisitorFactory,
)

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, database_url: str, **env) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        args, cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=clean | {"DATABASE_URL": database_url, "DEBUG": "1", "PY": sys.executable} | env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def palms(database_url: str, start: dt.date, end: dt.date) -> str:
    return run(sys.executable, "manage.py", "palms", "riverside", "--from", str(start),
               "--to", str(end), database_url=database_url)  # fmt: skip


def chapter_with_history(chapter, member, other_member):
    today = chapter.today()
    for weeks in range(1, 6):
        day = today - dt.timedelta(weeks=weeks)
        meeting = MeetingFactory(chapter=chapter, date=day)
        AttendanceFactory(meeting=meeting, member=member, mark="PALMA"[weeks % 5 - 1])
        AttendanceFactory(meeting=meeting, member=other_member, mark="P")
        ReferralFactory(giver=member, receiver=other_member, date=day, kind="outside")
        TyfcbFactory(writer=other_member, thanked=member, date=day, amount=Decimal("1234.50"))
        OneToOneFactory(member_a=member, member_b=other_member, date=day)
        CeuFactory(member=other_member, date=day)
        visitor = VisitorFactory(chapter=chapter)
        VisitFactory(visitor=visitor, meeting=meeting, invited_by=member)
    MemberFactory(chapter=chapter, joined_on=today - dt.timedelta(weeks=3))


@pytest.fixture
def empty_database():
    """A brand-new PostgreSQL database, dropped afterwards."""
    params = connection.settings_dict
    base = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}"
    name = f"restore_{secrets.token_hex(4)}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{base}/{name}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_backup_restored_into_an_empty_database_gives_the_same_palms(
    chapter, member, other_member, empty_database, tmp_path
):
    chapter_with_history(chapter, member, other_member)
    params = connection.settings_dict
    source = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
    start, end = chapter.today() - dt.timedelta(weeks=8), chapter.today()
    expected = palms(source, start, end)
    assert expected.count("\n") == 4  # header and three members

    dump = run("scripts/backup", database_url=source, BACKUP_DIR=str(tmp_path)).strip()

    assert Path(dump).name.startswith("slipstream-") and dump.endswith(".dump")
    run("scripts/restore", dump, database_url=empty_database)
    assert palms(empty_database, start, end) == expected
    # Pages kept under a revision of the backed-up database are never served after a restore.
    chapter.refresh_from_db()
    with psycopg.connect(empty_database) as restored:
        (after,) = restored.execute(
            "SELECT revision FROM members_chapter WHERE slug = %s", [chapter.slug]
        ).fetchone()
    assert after > chapter.revision
    # Restoring again over the restored copy replaces it (pg_restore --clean), still the same.
    run("scripts/restore", dump, database_url=empty_database)
    assert palms(empty_database, start, end) == expected


def test_sqlite_backup_is_dumpdata_json_and_restores_to_the_same_palms(tmp_path):
    """The laptop path: the demo chapter in SQLite, dumped to JSON and loaded into a new file."""
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    env = {"VAR_DIR": str(tmp_path / "var"), "REDIS_URL": ""}
    run(sys.executable, "manage.py", "migrate", "--noinput", database_url=source, **env)
    run(sys.executable, "manage.py", "seed_demo", database_url=source, **env)
    today = dt.date.today()
    start, end = today - dt.timedelta(weeks=26), today
    expected = run(sys.executable, "manage.py", "palms", "all", "--from", str(start), "--to",
                   str(end), database_url=source, **env)  # fmt: skip
    assert expected.count("\n") > 5

    dump = run("scripts/backup", database_url=source, BACKUP_DIR=str(tmp_path), **env).strip()
    assert dump.endswith(".json")
    target = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    run("scripts/restore", dump, database_url=target, **env)
    restored = run(sys.executable, "manage.py", "palms", "all", "--from", str(start), "--to",
                   str(end), database_url=target, **env)  # fmt: skip
    assert restored == expected
