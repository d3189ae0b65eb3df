"""The roster is checked in Python and written in bulk; storing it row by row
(``RosterFile.import_row``, each row in a savepoint) is the reference. Both must store the
same logins, seats, trades, roles and history, and name the same problems, on files that
free, take and swap trades, rename people, move roles and refuse rows half way."""

import csv
import datetime as dt
import io

import pytest
from django.db import transaction

from members.importers import RosterFile
from members.importing import CsvFile, FileReport, ImportContext, _rows
from members.models import AuditEvent, Classification, Member, MemberStatusChange, Role, User
from tests.factories import ChapterFactory, ClassificationFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "email,first_name,last_name,company,classification,phone,joined_on,left_on,renewal_due,"
    "status,roles"
)


def seed():
    """North: Ann (Accountant, president), Bob (Builder), Cal (Caterer, on leave), Dot
    (Dentist, dropped); Uma has a login and no seat; Oz sits in South."""
    north = ChapterFactory(slug="north")
    south = ChapterFactory(slug="south")
    trades = {
        name: ClassificationFactory(name=name)
        for name in ["Accountant", "Builder", "Caterer", "Dentist", "Électricien"]
    }

    def seat(email, first, trade, **kwargs):
        user = UserFactory(email=email, first_name=first, last_name="North")
        return MemberFactory(user=user, chapter=north, classification=trades[trade],
                             company=f"{first} Ltd", phone="", **kwargs)  # fmt: skip

    ann = seat("ann@north.test", "Ann", "Accountant", renewal_due=dt.date(2026, 1, 2))
    Role.objects.create(member=ann, name="president", started_on=dt.date(2024, 1, 2))
    seat("bob@north.test", "Bob", "Builder")
    seat("cal@north.test", "Cal", "Caterer", status=Member.Status.ON_LEAVE,
         leave_from=dt.date(2025, 1, 1))  # fmt: skip
    seat("dot@north.test", "Dot", "Dentist", status=Member.Status.DROPPED,
         left_on=dt.date(2024, 6, 30))  # fmt: skip
    UserFactory(email="uma@north.test", first_name="Uma", last_name="Unseated")
    oz = UserFactory(email="oz@south.test", first_name="Oz", last_name="South")
    MemberFactory(user=oz, chapter=south, classification=trades["Builder"], company="Oz Ltd")
    return north


def unchanged(email, first, trade, status="active", left=""):
    return f"{email},{first},North,{first} Ltd,{trade},,2024-01-02,{left},2027-01-02,{status},"


SCENARIOS = {
    "restated": [
        "ann@north.test,Ann,North,Ann Ltd,Accountant,,2024-01-02,,2026-01-02,active,president",
        unchanged("bob@north.test", "Bob", "Builder"),
        unchanged("cal@north.test", "Cal", "Caterer", status="on_leave"),
        unchanged("dot@north.test", "Dot", "Dentist", status="dropped", left="2024-06-30"),
    ],
    "a trade freed then taken, and taken before it is freed": [
        "eve@north.test,Eve,New,,Builder,,2025-01-07,,,active,",  # Bob still holds it
        "ann@north.test,Ann,North,Ann Ltd,Accountant,,2024-01-02,2025-02-01,,dropped,",
        "fay@north.test,Fay,New,Fay Co,accountant,+44 1234 567890,2025-02-04,,,active,mentor",
        "bob@north.test,Bob,North,Bob Ltd,Baker,,2024-01-02,,,active,",
        "gil@north.test,Gil,New,,BUILDER,,2025-03-04,,,on_leave,",
    ],
    "swaps, renames and roles": [
        "bob@north.test,Bob,North,Bob Ltd,Accountant,,2024-01-02,,,active,",  # Ann holds it
        "ann@north.test,Annie,Northcote,Ann Ltd,Accountant,,2024-01-02,,2026-01-02,active,"
        "vice_president;mentor",
        "cal@north.test,Cal,North,Cal Ltd,Caterer,,2024-01-02,,,active,visitor_host",
        "dot@north.test,Dot,North,Dot Ltd,Dentist,,2024-01-02,,,active,",
    ],
    "a chain of moves": [
        "bob@north.test,Bob,North,Bob Ltd,Builder,,2024-01-02,2025-01-31,,dropped,",
        "ann@north.test,Ann,North,Ann Ltd,Builder,,2024-01-02,,2026-01-02,active,president",
        "ola@north.test,Ola,New,,Accountant,,2025-02-04,,,active,",
        "cal@north.test,Cal,North,Cal Ltd,Dentist,,2024-01-02,,2027-01-02,on_leave,",
        "pip@north.test,Pip,New,,Caterer,,2025-02-04,,,active,mentor;visitor_host",
    ],
    "new trades taken twice in one file": [
        "hal@north.test,Hal,New,,Zoologist,,2025-01-07,,,active,",
        "ida@north.test,Ida,New,,zoologist,,2025-01-07,,,active,",
        "jon@north.test,Jon,New,,Zoologist,,2025-01-07,,,applicant,",
        "kim@north.test,Kim,New,,Dentist,,2025-01-07,,,active,",
        "lee@north.test,Lee,New,,Dentist,,2025-01-07,,,active,",
        "mia@north.test,Mia,Nouvelle,,Électricien,,2025-01-07,,,active,",
        "noe@north.test,Noé,Nouveau,,Électricien,,2025-01-07,,,active,",
    ],
    "refused half way": [
        "uma@north.test,Uma,Seated,,Umpire,,2025-01-07,,,active,",
        "oz@south.test,Oz,South,,Osteopath,,2025-01-07,,,active,",
        f"max@north.test,{'M' * 151},New,,Mason,,2025-01-07,,,active,",
        "bob@north.test,Bob,North,Bob Ltd,Builder,call me,2024-01-02,,,active,",
        f"ned@north.test,Ned,New,{'C' * 151},Nurse,,2025-01-07,,,active,",
        "ann@north.test,Ann,North,Ann Ltd,Accountant,,2024-01-02,,2026-01-02,sleeping,",
        "cal@north.test,Cal,North,Cal Ltd,Caterer,,2024-01-02,,,applicant,mentor",
        "DOT@NORTH.TEST,Dot,North,Dot Ltd,Dentist,,2024-01-02,2024-06-30,,dropped,",
        "pam@north.test,Pam,New,,Accountant,,2025-01-07,,,active,",  # Ann still holds it
        "not-an-email,X,Y,,Plumber,,2024-01-09,,,active,",
    ],
    "one email twice": [
        "ann@north.test,Ann,North,Ann Ltd,Accountant,,2024-01-02,2025-02-01,,dropped,",
        "fay@north.test,Fay,New,,Accountant,,2025-02-04,,,active,president",
        "fay@north.test,Fay,Newer,,Accountant,,2025-02-04,,,on_leave,",
    ],
}


def snapshot() -> dict:
    def email(member_id):
        return Member.objects.get(pk=member_id).user.email

    return {
        "users": sorted(
            (u.email, u.first_name, u.last_name, u.has_usable_password())
            for u in User.objects.all()
        ),
        "members": sorted(
            (
                m.user.email,
                m.chapter.slug,
                m.company,
                m.classification.name,
                m.phone,
                m.joined_on,
                m.left_on,
                m.renewal_due,
                m.status,
                m.leave_from,
                m.leave_until,
                m.status_changed_at is None,
            )
            for m in Member.objects.select_related("user", "chapter", "classification")
        ),
        "trades": sorted(Classification.objects.values_list("name", flat=True)),
        "roles": sorted(
            (email(r.member_id), r.name, r.started_on, r.ended_on) for r in Role.objects.all()
        ),
        "history": [
            (email(c.member_id), c.from_status, c.to_status, c.note)
            for c in MemberStatusChange.objects.order_by("pk")
        ],
        "audit": list(AuditEvent.objects.order_by("pk").values_list("action", "summary")),
    }


class Rollback(Exception):
    pass


def run(lines: list[str], import_rows) -> tuple:
    """Seed, import ``lines`` as roster.csv with ``import_rows``, and read everything back."""
    try:
        with transaction.atomic():
            chapter = seed()
            reader = csv.reader(io.StringIO("\n".join([HEADER, *lines]) + "\n", newline=""))
            header = next(reader)
            report = FileReport("roster.csv")
            import_rows(RosterFile(), ImportContext(chapter=chapter), _rows(reader, header), report)
            result = (snapshot(), dict(report.outcomes), report.problems)
            raise Rollback
    except Rollback:
        return result


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_bulk_roster_stores_what_row_by_row_stores(name, monkeypatch):
    lines = SCENARIOS[name]
    row_by_row = []
    real = CsvFile.import_rows
    monkeypatch.setattr(CsvFile, "import_rows", lambda *args: row_by_row.append(real(*args)))
    bulk = run(lines, RosterFile.import_rows)
    assert bool(row_by_row) == (name == "one email twice")  # the bulk path did the work
    reference = run(lines, real)
    assert bulk[2] == reference[2]  # the problems, line by line
    assert bulk[1] == reference[1]  # the outcomes
    assert bulk[0] == reference[0]  # what is stored


def test_the_scenarios_are_not_trivial():
    """Each scenario refuses some rows or changes something: the comparison means something."""
    _, outcomes, problems = run(SCENARIOS["refused half way"], RosterFile.import_rows)
    assert len(problems) == 8 and outcomes == {"updated": 2}
    _, outcomes, problems = run(SCENARIOS["restated"], RosterFile.import_rows)
    assert (outcomes, problems) == ({"unchanged": 4}, [])
    stored, outcomes, problems = run(
        SCENARIOS["a trade freed then taken, and taken before it is freed"],
        RosterFile.import_rows,
    )
    assert problems == [
        "roster.csv:2: classification 'Builder' is already held by Bob North "
        "(bob@north.test); one active member per trade"
    ]
    assert ("gil@north.test", "north", "", "Builder") in [m[:4] for m in stored["members"]]
    stored, outcomes, problems = run(SCENARIOS["a chain of moves"], RosterFile.import_rows)
    assert (outcomes, problems) == ({"updated": 3, "created": 2}, [])


def test_if_the_database_refuses_the_bulk_writes_the_rows_go_one_by_one(monkeypatch):
    """A refusal the checks did not foresee: everything is tried again row by row, so the
    problem is named by its line and the outcomes are counted once."""
    from django.db import IntegrityError

    from members import importers

    real_write = importers._Roster.write

    def write(self, report):
        real_write(self, report)
        raise IntegrityError("refused")

    lines = SCENARIOS["a trade freed then taken, and taken before it is freed"]
    reference = run(lines, CsvFile.import_rows)
    monkeypatch.setattr(importers._Roster, "write", write)
    assert run(lines, RosterFile.import_rows) == reference


def test_a_row_with_two_mistakes_names_both():
    """The secretary fixes a refused row in one go: every bad cell is named, not the first."""
    line = "not-an-email,Ann,Two,,,,2025-13-01,,,sleeping,"
    for import_rows in (RosterFile.import_rows, CsvFile.import_rows):
        _, outcomes, problems = run([line], import_rows)
        assert outcomes == {}
        [problem] = problems
        assert problem.startswith("roster.csv:2: ")
        for part in ("not-an-email", "classification is empty", "joined_on", "status"):
            assert part in problem, problem
