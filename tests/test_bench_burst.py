"""``make bench``'s meeting burst plays real requests: every one of them works on a generated
region, each slip is stored, and the CPU meter reads what processes spent."""

import os
import random
import subprocess
import sys
import time

import psycopg
import pytest
from django.db import connection

from bench import burst, load
from bench.cpu import Meter, children, cpu_seconds
from bench.generate import generate
from meetings.models import Attendance
from referrals.models import Referral

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_everyone_at_the_meeting_plays_their_part_and_every_request_works(live_server):
    generate(chapters=3, members=8, weeks=6)
    at = burst.meetings(count=2)
    plays = burst.scripts(at)

    people = sum(len(a.members) for a in at) + 2 * len(at)
    assert len(plays) == people
    kinds = {req.kind for play in plays for req in play}
    assert kinds == {*burst.MEMBER_KINDS, *burst.LEADER_KINDS}
    # The vice-presidents first, each with the grid, 30 marks and the grid again.
    for play in plays[: len(at)]:
        assert [r.kind for r in play].count("take attendance (mark POST)") == burst.MARKS
        assert len(play) == burst.MARKS + 2

    port = int(live_server.url.rsplit(":", 1)[1])
    results, seconds = load.run_scripts(port, plays, clients=4)

    assert {kind: r.errors for kind, r in results.items()} == dict.fromkeys(kinds, 0)
    posted = results["log a slip (POST)"].requests
    assert Referral.objects.filter(contact_name__startswith="Bench contact burst").count() == posted
    assert posted >= 2 * sum(len(a.members) for a in at)
    marked = {a.meeting_pk: {m.pk for m in a.markable[: burst.MARKS]} for a in at}
    for meeting_pk, members in marked.items():
        assert (
            set(
                Attendance.objects.filter(meeting_id=meeting_pk, member__in=members).values_list(
                    "member", flat=True
                )
            )
            == members
        )
    assert seconds > 0


def test_a_refused_mark_counts_as_an_error(live_server):
    generate(chapters=1, members=8, weeks=6)
    (at,) = burst.meetings(count=1)
    grid, *marks, _ = burst.vice_president_script(at, random.Random(1))
    # Marking oneself is refused: the row comes back with its error, still a 200.
    themselves = marks[0].path.rsplit("/", 2)[0] + f"/{at.vice_president.pk}/"
    refused = load.Request(
        "POST", themselves, marks[0].cookie, b"mark=P", marks[0].headers,
        kind="mark", refused=burst.REFUSED,
    )  # fmt: skip
    port = int(live_server.url.rsplit(":", 1)[1])
    results, _ = load.run_scripts(port, [[grid, marks[0], refused]], clients=1)
    assert results["mark"].errors == 1
    assert results["take attendance (mark POST)"].errors == 0


def test_the_meter_reads_the_cpu_of_the_server_the_database_and_the_driver(db):
    assert cpu_seconds(os.getpid()) > 0
    assert cpu_seconds(2**22 + 12345) is None  # no such process

    meter = Meter(os.getpid(), connection)
    settings = connection.settings_dict
    busy = psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
        password=settings["PASSWORD"], dbname=settings["NAME"],
    )  # fmt: skip
    try:
        meter.start()
        busy.execute("SELECT count(*) FROM generate_series(1, 2000000)").fetchone()
        # The driver's own work: a little over what is asserted, as /proc counts in ticks.
        deadline = time.process_time() + 0.25
        while time.process_time() < deadline:
            pass
        spent = meter.stop()
    finally:
        busy.close()
    assert spent["database"] > 0.05
    assert spent["driver"] >= 0.2
    assert spent["workers"] >= 0.2  # this process stands in for gunicorn's master


def test_the_meter_finds_the_servers_workers_as_its_children():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        assert child.pid in children(os.getpid())
    finally:
        child.kill()
        child.wait()
