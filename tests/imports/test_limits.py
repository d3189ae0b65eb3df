"""Values the database cannot hold are problems on their line, never a traceback.

Each model field's limits (``null``, ``max_length``, ``max_digits``/``decimal_places``, the
integer range, ``choices``) are read once by the frame (``members.importing.Limits``) and
checked before any ``COPY``: ``file.csv:LINE: column: message``, nothing stored. At most a
hundred problems are shown, then how many more, by ``import_chapter``, ``import_bni`` and the
admin's roster upload alike.
"""

import datetime as dt
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from meetings.models import Visitor
from members.importing import PROBLEMS_SHOWN, Limits, shown_problems
from members.models import Chapter, Classification, Member, User
from referrals import importers as slip_importers
from referrals.models import Ceu, Referral, Tyfcb
from reports.models import BniSnapshotRow
from tests import factories as f

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
ROSTER_HEADER = (
    "email,first_name,last_name,company,classification,phone,joined_on,left_on,renewal_due,"
    "status,roles\n"
)


def riverside(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA / "riverside", tmp_path / "riverside"))


def refused(command: str, *args) -> tuple[CommandError, list[str]]:
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command(command, *map(str, args), stdout=io.StringIO(), stderr=err)
    return failed.value, err.getvalue().splitlines()


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.open(), start=1) if text in line)


# --- import_chapter ------------------------------------------------------------------------


def test_an_amount_too_large_for_the_database_is_named_by_file_line_and_column(tmp_path):
    directory = riverside(tmp_path)
    with (directory / "tyfcb.csv").open("a") as out:
        out.write("2025-03-04,gus@riverside.test,ben@riverside.test,99999999999999.99,new\n")
    line = line_of(directory / "tyfcb.csv", "99999999999999.99")
    failed, problems = refused("import_chapter", "riverside", directory)
    # Named by the amount parser or, should it let the value through, by the frame's limits.
    [problem] = problems
    assert problem.startswith(f"tyfcb.csv:{line}: amount") and "too large" in problem
    assert "1 problem(s); nothing was imported" in str(failed)
    assert not Chapter.objects.exists() and not Tyfcb.objects.exists()


def test_a_trade_longer_than_the_database_holds_is_a_problem_not_a_traceback(tmp_path):
    (tmp_path / "roster.csv").write_text(
        ROSTER_HEADER
        + "ann@x.test,Ann,Archer,,Accountant,,2024-01-02,,,active,\n"
        + f"ben@x.test,Ben,Baker,,{'T' * 130},,2024-01-02,,,active,\n"
    )
    _, problems = refused("import_chapter", "riverside", tmp_path)
    assert problems == ["roster.csv:3: classification: is 130 characters long: at most 120 fit"]
    assert not Member.objects.exists() and not Classification.objects.exists()


def test_a_visitor_email_too_long_is_named(tmp_path):
    directory = riverside(tmp_path)
    email = "v" * 250 + "@x.test"
    with (directory / "visitors.csv").open("a") as out:
        out.write(f"2025-03-04,Vera Long,{email},,ann@riverside.test\n")
    line = line_of(directory / "visitors.csv", "Vera Long")
    _, problems = refused("import_chapter", "riverside", directory)
    assert problems == [f"visitors.csv:{line}: email: is 257 characters long: at most 254 fit"]
    assert not Visitor.objects.exists()


def test_a_value_outside_the_field_choices_is_found_before_the_copy(tmp_path, monkeypatch):
    """A parser that let a temperature of 9 through (as if its check were missing): the frame
    names it before writing anything, rather than leaving it to the database's constraint."""
    directory = riverside(tmp_path)
    real_parse = slip_importers.ReferralsCsv.parse

    def parse(self, ctx, row):
        key, values = real_parse(self, ctx, row)
        if key[-1] == "Quinn Quade":
            values["temperature"] = 9
        return key, values

    monkeypatch.setattr(slip_importers.ReferralsCsv, "parse", parse)
    line = line_of(directory / "referrals.csv", "Quinn Quade")
    _, problems = refused("import_chapter", "riverside", directory)
    assert problems == [f"referrals.csv:{line}: temperature: '9' is not one of 1, 2, 3, 4, 5"]
    assert not Referral.objects.exists()


def test_at_most_a_hundred_problems_are_printed_then_how_many_more(tmp_path):
    rows = "".join(f"2025-01-07,nobody{i}@x.test,P,\n" for i in range(250))
    (tmp_path / "attendance.csv").write_text(
        "meeting_date,member_email,mark,substitute_name\n" + rows
    )
    failed, problems = refused("import_chapter", "riverside", tmp_path)
    assert len(problems) == PROBLEMS_SHOWN + 1
    assert (
        problems[0]
        == "attendance.csv:2: member_email 'nobody0@x.test' is not a member of riverside"
    )
    assert problems[-1] == "… and 150 more problems"
    assert "250 problem(s); nothing was imported" in str(failed)


def test_a_chapter_name_too_long_for_the_database_is_refused_plainly(tmp_path):
    directory = riverside(tmp_path)
    failed, _ = refused("import_chapter", "riverside", directory, "--name", "N" * 121)
    assert str(failed) == "the chapter's --name: is 121 characters long: at most 120 fit"
    assert not Chapter.objects.exists()


# --- Limits, read from the fields -------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "values", "expected"),
    [
        (Tyfcb, {"amount": Decimal("12.345")}, "amount: 12.345 has more than 2 decimal places"),
        (
            Tyfcb,
            {"amount": Decimal("1E+10")},
            "amount: 1E+10 is too large: at most 10 digits before the decimal point",
        ),
        (Tyfcb, {"amount": Decimal("NaN")}, "amount: NaN is not a number"),
        (Tyfcb, {"amount": None}, "amount: is empty"),
        (Tyfcb, {"business": "old"}, "business: 'old' is not one of new, repeat"),
        (Ceu, {"topic": "x" * 201}, "topic: is 201 characters long: at most 200 fit"),
    ],
)
def test_limits_name_the_first_value_the_database_would_refuse(model, values, expected):
    assert Limits(model).problem(values) == expected


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Tyfcb, {"amount": Decimal("9999999999.99"), "business": "repeat", "writer_id": None}),
        (Tyfcb, {"other_name": "", "meeting_date": "not a field: not stored, not checked"}),
        (Referral, {"temperature": 5, "status": "won", "contact_email": ""}),
        (Ceu, {"credits": 32767, "topic": "x" * 200}),
    ],
)
def test_limits_pass_what_the_database_holds(model, values):
    assert Limits(model).problem(values) is None


def _range(model, name: str) -> tuple[int, int]:
    """The integer range the database backend in use stores for the field (PostgreSQL's are
    narrower than SQLite's)."""
    return connection.ops.integer_field_range(model._meta.get_field(name).get_internal_type())


def test_integer_limits_are_the_databases_own():
    low, high = _range(Ceu, "credits")
    limits = Limits(Ceu)
    assert limits.problem({"credits": high + 1}) == f"credits: {high + 1} is outside 0 to {high}"
    assert limits.problem({"credits": low - 1}) == f"credits: {low - 1} is outside 0 to {high}"


def test_limits_name_the_file_column_of_a_field_stored_under_another_name():
    _, high = _range(BniSnapshotRow, "one_to_ones")
    limits = Limits(BniSnapshotRow, {"one_to_ones": "1-2-1"})
    assert limits.problem({"one_to_ones": -3}) == f"1-2-1: -3 is outside 0 to {high}"


def test_shown_problems_counts_what_it_leaves_out():
    assert shown_problems(["a", "b"], limit=2) == ["a", "b"]
    assert shown_problems(["a", "b", "c"], limit=2) == ["a", "b", "… and 1 more problem"]
    assert shown_problems([str(n) for n in range(1200)], limit=1)[-1] == "… and 1,199 more problems"


# --- The admin's roster upload ------------------------------------------------------------------


def upload(client, chapter, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("admin:members_member_import_roster"),
        {"chapter": chapter.pk, "file": SimpleUploadedFile("roster.csv", text.encode())},
    )


def test_the_admin_upload_lists_a_value_the_database_refuses_instead_of_answering_500(
    login, staff, chapter
):
    response = upload(
        login(staff),
        chapter,
        ROSTER_HEADER + f"ben@x.test,Ben,Baker,,{'T' * 130},,2024-01-02,,,active,\n",
    )
    assert response.status_code == 200
    assert "1 problem; nothing was imported." in response.text
    assert "roster.csv:2: classification: is 130 characters long: at most 120 fit" in response.text
    assert not Member.objects.filter(chapter=chapter).exists()
    assert not User.objects.filter(email="ben@x.test").exists()


def test_the_admin_upload_lists_a_hundred_problems_then_how_many_more(login, staff, chapter):
    rows = "".join(f"p{i}@x.test,P,Q,,Trade {i},,2024-01-02,,,sleeping,\n" for i in range(130))
    response = upload(login(staff), chapter, ROSTER_HEADER + rows)
    assert response.status_code == 200
    assert "130 problems; nothing was imported." in response.text
    assert response.text.count("is not one of applicant, active, on_leave, dropped") == 100
    assert "… and 30 more problems" in response.text
    assert not Member.objects.filter(chapter=chapter).exists()


# --- import_bni ---------------------------------------------------------------------------------

AUDIT_HEADER = "From,To,Slip Type,Inside/Outside,TYFCB Amount,CEU Credits,Detail\n"
PALMS_HEADER = "First Name,Last Name,P,A,L,M,S,RGI,RGO,RRI,RRO,V,1-2-1,TYFCB,CEU,T\n"


@pytest.fixture
def dubai():
    chapter = f.ChapterFactory(slug="dubai")
    for first, last in (("Ann", "Archer"), ("Ben", "Baker")):
        f.MemberFactory(
            chapter=chapter,
            user=f.UserFactory(first_name=first, last_name=last),
            joined_on=dt.date(2010, 1, 1),
        )
    return chapter


@pytest.mark.postgres
def test_import_bni_names_a_slip_value_the_database_cannot_hold(tmp_path, dubai):
    audit = tmp_path / "audit.csv"
    audit.write_text(
        AUDIT_HEADER
        + "Ann Archer,Ben Baker,Referral,Inside,,,\n"
        + ",Ben Baker,TYFCB,Inside,12345678901.00,,\n"
        + "Ann Archer,,CEU,,,99999,Podcast\n"
    )
    failed, problems = refused("import_bni", "dubai", audit, "--date", "2025-02-13")
    assert problems == [
        "audit.csv:3: TYFCB Amount: 12345678901.00 is too large: at most 10 digits before "
        "the decimal point",
        "audit.csv:4: CEU Credits: 99999 is outside 0 to 32767",
    ]
    assert "2 problem(s); nothing was imported" in str(failed)
    assert not Referral.objects.exists() and not Tyfcb.objects.exists()


@pytest.mark.postgres
def test_import_bni_names_a_palms_figure_the_database_cannot_hold(tmp_path, dubai):
    summary = tmp_path / "palms.csv"
    summary.write_text(PALMS_HEADER + "Ann,Archer,1,0,0,0,0,0,0,0,0,0,0,5000000000000.00,0,0\n")
    _, problems = refused(
        "import_bni", "dubai", summary, "--from", "2025-01-01", "--to", "2025-03-31"
    )
    assert problems == [
        "palms.csv:2: TYFCB: 5000000000000.00 is too large: at most 12 digits before the "
        "decimal point"
    ]
    assert not BniSnapshotRow.objects.exists()


@pytest.mark.postgres
def test_import_bni_prints_a_hundred_problems_then_how_many_more(tmp_path, dubai):
    audit = tmp_path / "audit.csv"
    audit.write_text(
        AUDIT_HEADER + "".join(f"Nobody {i},Ben Baker,Referral,Inside,,,\n" for i in range(140))
    )
    failed, problems = refused("import_bni", "dubai", audit, "--date", "2025-02-13")
    assert len(problems) == PROBLEMS_SHOWN + 1
    assert problems[-1] == "… and 40 more problems"
    assert "140 problem(s)" in str(failed)
