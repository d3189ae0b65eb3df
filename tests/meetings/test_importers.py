"""attendance.csv and visitors.csv in ``import_chapter``: all or nothing, idempotent."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from meetings.models import Attendance, Meeting, Visit, Visitor
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(chapter):
    ann = MemberFactory(
        chapter=chapter, user=UserFactory(email="ann@example.test"), joined_on=dt.date(2024, 1, 2)
    )
    ben = MemberFactory(
        chapter=chapter, user=UserFactory(email="ben@example.test"), joined_on=dt.date(2026, 6, 1)
    )
    return ann, ben


def write(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


ATTENDANCE = """meeting_date,member_email,mark,substitute_name
2026-06-02,ANN@example.test,P,
2026-06-02,ben@example.test,s,Jo Bright
2026-06-09,ann@example.test,A,
"""


def test_attendance_import_creates_meetings_and_marks_once(tmp_path, chapter, people, capsys):
    write(tmp_path, "attendance.csv", ATTENDANCE)
    call_command("import_chapter", chapter.slug, str(tmp_path))
    ann, ben = people
    meetings = Meeting.objects.filter(chapter=chapter).order_by("date")
    assert [m.date for m in meetings] == [dt.date(2026, 6, 2), dt.date(2026, 6, 9)]
    assert meetings[0].starts_at == dt.datetime(2026, 6, 2, 7, 0, tzinfo=chapter.tz)
    marks = set(
        Attendance.objects.values_list("meeting__date", "member_id", "mark", "substitute_name")
    )
    assert marks == {
        (dt.date(2026, 6, 2), ann.pk, "P", ""),
        (dt.date(2026, 6, 2), ben.pk, "S", "Jo Bright"),
        (dt.date(2026, 6, 9), ann.pk, "A", ""),
    }
    call_command("import_chapter", chapter.slug, str(tmp_path))
    assert Attendance.objects.count() == 3 and meetings.count() == 2
    assert "attendance.csv: 0 created, 0 updated, 3 unchanged" in capsys.readouterr().out


def test_a_changed_mark_is_updated_not_duplicated(tmp_path, chapter, people):
    write(tmp_path, "attendance.csv", ATTENDANCE)
    call_command("import_chapter", chapter.slug, str(tmp_path))
    write(
        tmp_path,
        "attendance.csv",
        ATTENDANCE.replace("2026-06-09,ann@example.test,A", "2026-06-09,ann@example.test,L"),
    )
    call_command("import_chapter", chapter.slug, str(tmp_path))
    assert Attendance.objects.get(meeting__date=dt.date(2026, 6, 9)).mark == "L"
    assert Attendance.objects.count() == 3


def test_bad_rows_are_all_reported_and_nothing_is_stored(tmp_path, chapter, people, capsys):
    write(
        tmp_path,
        "attendance.csv",
        "meeting_date,member_email,mark,substitute_name\n"
        "2026-06-02,ann@example.test,P,\n"
        "2026-06-02,ben@example.test,X,\n"
        "2026-06-09,ben@example.test,S,\n"
        "2026-05-26,ben@example.test,P,\n"
        "2026-13-01,ann@example.test,P,\n"
        "2026-06-16,nobody@example.test,P,\n",
    )
    write(
        tmp_path,
        "visitors.csv",
        "meeting_date,name,email,company,invited_by_email\n2026-06-02,,x@example.test,,\n",
    )
    with pytest.raises(CommandError):
        call_command("import_chapter", chapter.slug, str(tmp_path))
    err = capsys.readouterr().err
    assert "attendance.csv:3: mark 'X' is not one of P, A, L, M, S" in err
    assert "attendance.csv:4: substitute_name is empty" in err
    assert "attendance.csv:5: ben@example.test did not belong to the chapter on 2026-05-26" in err
    assert "attendance.csv:6: meeting_date '2026-13-01' is not a date" in err
    assert "attendance.csv:7: member_email 'nobody@example.test' is not a member" in err
    assert "visitors.csv:2: name is empty" in err
    assert not Attendance.objects.exists() and not Meeting.objects.exists()


VISITORS = """meeting_date,name,email,company,invited_by_email
2026-06-02,Grace Hopper,grace@example.test,Hopper Print,ann@example.test
2026-06-09,Grace Hopper,GRACE@example.test,Hopper Print,ann@example.test
2026-06-09,Walk In,,,
"""


def test_visitors_import_records_visits_that_happened(tmp_path, chapter, people):
    write(tmp_path, "visitors.csv", VISITORS)
    call_command("import_chapter", chapter.slug, str(tmp_path))
    ann, _ = people
    grace = Visitor.objects.get(email="grace@example.test")
    assert grace.status == Visitor.Status.ATTENDED
    assert grace.visits.count() == 2
    assert set(Visit.objects.values_list("attended", flat=True)) == {True}
    assert ann.invited_visits.count() == 2
    walk_in = Visitor.objects.get(name="Walk In")
    assert walk_in.visits.get().invited_by is None
    call_command("import_chapter", chapter.slug, str(tmp_path))
    assert Visitor.objects.count() == 2 and Visit.objects.count() == 3


def test_an_applied_visitor_keeps_their_status_on_import(tmp_path, chapter, people):
    Visitor.objects.create(
        chapter=chapter, name="Grace Hopper", email="grace@example.test", status="applied"
    )
    write(tmp_path, "visitors.csv", VISITORS)
    call_command("import_chapter", chapter.slug, str(tmp_path))
    assert Visitor.objects.get(email="grace@example.test").status == Visitor.Status.APPLIED
