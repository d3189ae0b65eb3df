"""roster.csv: export, import (all or nothing, line-numbered errors, idempotent), round trip."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from members.exporting import roster_csv
from members.models import Chapter, Member, MemberStatusChange, Role
from tests.factories import (
    ChapterFactory,
    ClassificationFactory,
    MemberFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
HEADER = (
    "email,first_name,last_name,company,classification,phone,joined_on,left_on,"
    "renewal_due,status,roles\n"
)
GOOD_ROWS = [
    "ada@example.test,Ada,Lovelace,Engines Ltd,Web developer,+44 20 7946 0001,2024-01-09,,"
    "2027-01-09,active,president;mentor",
    "bo@example.test,Bo,Brick,Brick & Co,Builder,,2025-06-03,,2026-06-03,on_leave,",
    "cy@example.test,Cy,Cole,,Web developer,,2023-02-07,2024-12-31,2025-02-07,dropped,",
    "di@example.test,Di,Dee,Dee Law,Family-law solicitor,,2026-10-06,,,applicant,",
]


def _write(tmp_path, rows, header=HEADER):
    (tmp_path / "roster.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path


def _import(slug, directory):
    call_command("import_chapter", slug, str(directory))


def test_import_creates_users_members_trades_and_roles(tmp_path):
    _import("northside", _write(tmp_path, GOOD_ROWS))

    chapter = Chapter.objects.get(slug="northside")
    ada = Member.objects.select_related("user", "classification").get(
        user__email="ada@example.test"
    )
    assert ada.chapter == chapter
    assert (ada.user.first_name, ada.company, ada.classification.name) == (
        "Ada", "Engines Ltd", "Web developer",
    )  # fmt: skip
    assert ada.joined_on == dt.date(2024, 1, 9) and ada.renewal_due == dt.date(2027, 1, 9)
    roles = Role.objects.current(chapter.today()).filter(member=ada)
    assert set(roles.values_list("name", flat=True)) == {"president", "mentor"}
    assert not ada.user.has_usable_password()
    statuses = dict(Member.objects.values_list("user__email", "status"))
    assert statuses == {
        "ada@example.test": "active",
        "bo@example.test": "on_leave",
        "cy@example.test": "dropped",
        "di@example.test": "applicant",
    }
    assert MemberStatusChange.objects.filter(note="Roster import.").count() == 4


def test_second_import_changes_nothing(tmp_path, capsys):
    directory = _write(tmp_path, GOOD_ROWS)
    _import("northside", directory)
    before = roster_csv(Chapter.objects.get(slug="northside"))
    counts = (Member.objects.count(), Role.objects.count(), MemberStatusChange.objects.count())
    capsys.readouterr()

    _import("northside", directory)

    out = capsys.readouterr().out
    assert "roster.csv: 0 created, 0 updated, 4 unchanged" in out
    assert (
        Member.objects.count(),
        Role.objects.count(),
        MemberStatusChange.objects.count(),
    ) == counts
    assert roster_csv(Chapter.objects.get(slug="northside")) == before


def test_import_updates_a_known_email(tmp_path, capsys):
    _import("northside", _write(tmp_path, GOOD_ROWS))
    changed = [GOOD_ROWS[0].replace("Engines Ltd", "Analytical Engines").replace("president;", "")]
    _import("northside", _write(tmp_path, changed))
    ada = Member.objects.get(user__email="ada@example.test")
    assert ada.company == "Analytical Engines"
    assert list(Role.objects.current().filter(member=ada).values_list("name", flat=True)) == [
        "mentor"
    ]
    assert "roster.csv: 0 created, 1 updated, 0 unchanged" in capsys.readouterr().out


def test_a_bad_row_on_line_5_stores_nothing_and_names_the_line(tmp_path, capsys):
    rows = [*GOOD_ROWS[:3], GOOD_ROWS[3].replace("applicant", "emeritus")]

    with pytest.raises(CommandError, match="nothing was imported"):
        _import("northside", _write(tmp_path, rows))

    err = capsys.readouterr().err
    assert (
        "roster.csv:5: status 'emeritus' is not one of applicant, active, on_leave, dropped" in err
    )
    assert not Member.objects.exists()
    assert not get_user_model().objects.exists()
    assert not Chapter.objects.filter(slug="northside").exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x@example.test,X,Y,,Plumber,,2024-01-01,,2023-12-31,active,",
         "renewal_due 2023-12-31 is before joined_on 2024-01-01"),
        ("x@example.test,X,Y,,Plumber,,2024-13-01,,,active,",
         "joined_on '2024-13-01' is not a date (YYYY-MM-DD)"),
        ("x@example.test,X,Y,,Plumber,,2024-01-01,,,active,treasurer",
         "roles 'treasurer' not one of president, vice_president"),
        ("x@example.test,X,Y,,Plumber,,2024-01-01,,,dropped,",
         "a dropped member needs left_on"),
        ("x@example.test,X,Y,,Plumber,,2024-01-01,2024-05-01,,active,",
         "left_on must be empty unless status is dropped"),
        ("not-an-email,X,Y,,Plumber,,2024-01-01,,,active,",
         "email 'not-an-email' is not an email address"),
        ("x@example.test,X,Y,,Plumber,call me,2024-01-01,,,active,",
         "phone: Enter a phone number"),
        ("x@example.test,X,Y,,,,2024-01-01,,,active,", "classification is empty"),
    ],
)  # fmt: skip
def test_each_bad_value_gets_a_clear_message(tmp_path, capsys, row, message):
    with pytest.raises(CommandError):
        _import("northside", _write(tmp_path, [row]))
    assert f"roster.csv:2: {message}" in capsys.readouterr().err


def test_a_taken_trade_names_the_holder(tmp_path, capsys, chapter, member):
    trade = member.classification.name
    row = f"new@example.test,New,Person,,{trade},,2024-01-01,,,active,"
    with pytest.raises(CommandError):
        _import("riverside", _write(tmp_path, [row]))
    err = capsys.readouterr().err
    assert f"roster.csv:2: classification '{trade}' is already held by {member.full_name}" in err


def test_an_email_used_in_another_chapter_is_refused(tmp_path, capsys, outsider):
    row = "CHARLIE@example.test,Charlie,C,,Baker,,2024-01-01,,,active,"
    with pytest.raises(CommandError):
        _import("riverside", _write(tmp_path, [row]))
    assert "roster.csv:2: email charlie@example.test is already used in chapter hilltop" in (
        capsys.readouterr().err
    )


def test_missing_columns_are_named(tmp_path, capsys):
    with pytest.raises(CommandError):
        _import("northside", _write(tmp_path, ["a@example.test,A"], header="email,first_name\n"))
    assert "roster.csv:1: missing column(s) last_name, classification, joined_on, status" in (
        capsys.readouterr().err
    )


def test_export_import_into_an_empty_chapter_export_is_identical(tmp_path):
    source = ChapterFactory(slug="source")
    web = ClassificationFactory(name="Web developer")
    ada_user = UserFactory(email="ada@example.test", first_name="Ada", last_name="Ó Brien")
    ada = MemberFactory(
        chapter=source, classification=web, company='Quotes "R" Us, Ltd', user=ada_user
    )
    RoleFactory(member=ada, name="president")
    RoleFactory(
        member=ada, name="mentor", started_on=dt.date(2020, 1, 1), ended_on=dt.date(2021, 1, 1)
    )
    cy = UserFactory(email="cy@example.test")
    MemberFactory(chapter=source, classification=web, status=Member.Status.DROPPED,
                  left_on=dt.date(2024, 12, 31), phone="", user=cy)  # fmt: skip
    MemberFactory(chapter=source, status=Member.Status.ON_LEAVE, leave_from=dt.date(2026, 9, 1),
                  user=UserFactory(email="bo@example.test"))  # fmt: skip
    MemberFactory(chapter=source, status=Member.Status.APPLICANT, renewal_due=None,
                  user=UserFactory(email="di@example.test"))  # fmt: skip
    exported = roster_csv(source)
    assert exported.splitlines()[0] == HEADER.strip()
    assert [line.split(",")[0] for line in exported.splitlines()[1:]] == [
        "ada@example.test", "bo@example.test", "cy@example.test", "di@example.test",
    ]  # fmt: skip
    # Empty the database of people, then import the file into a new chapter.
    Role.objects.all().delete()
    MemberStatusChange.objects.all().delete()
    Member.objects.all().delete()
    get_user_model().objects.all().delete()
    (tmp_path / "roster.csv").write_bytes(exported.encode("utf-8"))

    _import("fresh", tmp_path)

    assert roster_csv(Chapter.objects.get(slug="fresh")).encode() == exported.encode()
