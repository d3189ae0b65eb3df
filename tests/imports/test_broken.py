"""``tests/data/broken``: bad rows in every file; each is named, and nothing is stored."""

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from meetings.models import Attendance, Meeting, Visit, Visitor
from members.models import Chapter, Classification, Member, Role, User
from referrals import models as slips
from referrals.models import Ceu, OneToOne, Referral, ReferralStatusChange, Tyfcb

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
MODELS = (Chapter, User, Member, Classification, Role, Meeting, Attendance, Visitor, Visit,
          Referral, ReferralStatusChange, Tyfcb, OneToOne, Ceu, slips.Testimonial)  # fmt: skip

EXPECTED = [
    "roster.csv:3: status 'sleeping' is not one of applicant, active, on_leave, dropped",
    "roster.csv:4: email 'not-an-email' is not an email address",
    "roster.csv:5: classification 'Accountant' is already held by Amy Ash (amy@broken.test); "
    "one active member per trade",
    "attendance.csv:3: mark 'X' is not one of P, A, L, M, S",
    "attendance.csv:4: member_email 'nobody@broken.test' is not a member of broken",
    "attendance.csv:5: substitute_name is empty: an S mark needs the substitute's name",
    "visitors.csv:2: name is empty",
    "referrals.csv:3: temperature must be 1–5",
    "referrals.csv:4: giver_email and receiver_email are the same member (amy@broken.test)",
    "tyfcb.csv:2: amount 'abc' is not an amount such as 1234.50",
    "tyfcb.csv:3: amount '1.005' has more than two decimal places",
    "one_to_ones.csv:3: member_a_email and member_b_email are the same member (eli@broken.test)",
    "ceus.csv:2: credits must be 1–100",
    "ceus.csv:3: member_email amy@broken.test was not a member of the chapter on 2023-03-04",
    "testimonials.csv:2: date '2025-02-30' is not a date (YYYY-MM-DD)",
    "testimonials.csv:3: text is empty",
]


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def run(slug: str, directory: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_chapter", slug, str(directory), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_every_problem_is_printed_as_file_line_message_and_nothing_is_stored():
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="16 problem"):
        call_command("import_chapter", "broken", str(DATA / "broken"), stderr=err)
    assert err.getvalue().splitlines() == EXPECTED
    assert counts() == before
    assert not Chapter.objects.filter(slug="broken").exists()


def test_the_command_exits_non_zero_from_the_shell():
    with pytest.raises(SystemExit) as exited:
        call_command_from_argv(["manage.py", "import_chapter", "broken", str(DATA / "broken")])
    assert exited.value.code != 0


def call_command_from_argv(argv):
    from django.core.management import ManagementUtility

    ManagementUtility(argv).execute()


def test_a_bad_row_in_the_last_file_leaves_nothing_from_the_first(tmp_path):
    """All or nothing across files: a bad testimonial undoes the roster, marks and slips."""
    shutil.copytree(DATA / "riverside", tmp_path / "riverside")
    with (tmp_path / "riverside" / "testimonials.csv").open("a", encoding="utf-8") as out:
        out.write("2025-04-29,gus@riverside.test,gus@riverside.test,Praising myself.\n")
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_chapter", "riverside", str(tmp_path / "riverside"), stderr=err)
    assert err.getvalue() == (
        "testimonials.csv:7: giver_email and receiver_email are the same member "
        "(gus@riverside.test)\n"
    )
    assert counts() == before


def test_a_failed_import_into_a_known_chapter_leaves_it_as_it_was(tmp_path):
    run("riverside", DATA / "riverside")
    before = counts()
    shutil.copytree(DATA / "riverside", tmp_path / "riverside")
    roster = tmp_path / "riverside" / "roster.csv"
    roster.write_text(
        roster.read_text().replace("Archer Accounts", "Renamed Ltd"), encoding="utf-8"
    )
    with (tmp_path / "riverside" / "ceus.csv").open("a", encoding="utf-8") as out:
        out.write("2025-04-29,ann@riverside.test,many,Bad credits\n")
    with pytest.raises(CommandError):
        run("riverside", tmp_path / "riverside")
    assert counts() == before
    assert Member.objects.get(user__email="ann@riverside.test").company == "Archer Accounts"
