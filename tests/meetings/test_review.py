"""The president's review: the heat map, the at-risk list, the CSV, and a member's history."""

import csv
import datetime as dt
import io

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from meetings.models import Attendance
from meetings.selectors import attendance_history
from tests.factories import AttendanceFactory, MemberFactory, UserFactory

from .conftest import weekly_meetings

pytestmark = pytest.mark.django_db


@pytest.fixture
def past(chapter):
    """26 weekly meetings ending last meeting day (or today's if today is one)."""
    today = chapter.today()
    end = today - dt.timedelta(days=(today.weekday() - chapter.meeting_weekday) % 7)
    return weekly_meetings(chapter, end=end, weeks=26)


def test_at_risk_list_shows_states_with_the_absence_dates(
    login, president, member, other_member, past
):
    for meeting in past[-4:]:
        AttendanceFactory(meeting=meeting, member=member, mark="A")
    AttendanceFactory(meeting=past[-1], member=other_member, mark="A")
    AttendanceFactory(meeting=past[-2], member=other_member, mark="A")
    response = login(president).get(reverse("meetings:review"))
    assert response.status_code == 200
    html = response.content.decode()
    at_risk = html.split('id="at-risk-title"')[1].split("</section>")[0]
    assert "Alice" in at_risk and "Over the limit" in at_risk
    assert "Bob" in at_risk and "Warning" in at_risk
    assert f"{past[-4].date:%-d %b}" in at_risk
    assert at_risk.index("Alice") < at_risk.index("Bob")  # the worst first


def test_heat_map_cells_carry_the_letter_and_a_class_per_mark(login, president, member, past):
    AttendanceFactory(meeting=past[-1], member=member, mark="S", substitute_name="Jo")
    html = login(president).get(reverse("meetings:review")).content.decode()
    assert '<td class="cell mark-S">S</td>' in html
    assert 'class="legend"' in html
    assert 'style="' not in html


def test_a_member_who_joined_late_shows_no_cells_before_joining(login, president, chapter, past):
    MemberFactory(chapter=chapter, joined_on=past[-2].date, user__first_name="Newbie")
    html = login(president).get(reverse("meetings:review")).content.decode()
    row = html.split("Newbie")[1].split("</tr>")[0]
    assert row.count("mark-out") == 24


@pytest.mark.parametrize("persona", ["member", "membership_committee"])
def test_review_is_for_leadership(request, login, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("meetings:review")).status_code == 403
    assert client.get(reverse("meetings:review_csv")).status_code == 403


def test_the_csv_has_a_column_per_meeting_and_neutralises_formulas(
    login, vice_president, chapter, past
):
    sly = MemberFactory(
        chapter=chapter,
        user=UserFactory(email="sly@example.test", first_name="=HYPERLINK(1)", last_name="@x"),
    )
    AttendanceFactory(meeting=past[-1], member=sly, mark="A")
    response = login(vice_president).get(reverse("meetings:review_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["member_email", "member_name", *[m.date.isoformat() for m in past]]
    sly_row = next(r for r in rows if r[0] == "sly@example.test")
    assert sly_row[1] == "'=HYPERLINK(1) @x"
    assert sly_row[-1] == "A"
    assert len(sly_row) == 28


def _grid(chapter, members, weeks):
    today = chapter.today()
    end = today - dt.timedelta(days=(today.weekday() - chapter.meeting_weekday) % 7)
    meetings = weekly_meetings(chapter, end=end, weeks=weeks)
    people = [MemberFactory(chapter=chapter) for _ in range(members)]
    Attendance.objects.bulk_create(
        Attendance(meeting=m, member=p, mark="PPPAL"[(i + j) % 5])
        for i, m in enumerate(meetings)
        for j, p in enumerate(people)
    )


@pytest.mark.parametrize(("members", "weeks"), [(10, 4), (60, 26)])
def test_review_and_csv_query_counts_are_fixed(
    login, president, chapter, members, weeks, django_assert_num_queries
):
    _grid(chapter, members, weeks)
    client = login(president)
    with django_assert_num_queries(6):
        response = client.get(reverse("meetings:review"))
    assert response.content.decode().count('<th scope="row" class="who">') == members + 1
    with django_assert_num_queries(6):
        client.get(reverse("meetings:review_csv"))


# --- A member's own history -----------------------------------------------------------------------


def test_my_attendance_shows_my_marks_and_my_state(login, member, past):
    for meeting in past[-2:]:
        AttendanceFactory(meeting=meeting, member=member, mark="A")
    AttendanceFactory(meeting=past[-3], member=member, mark="L")
    html = login(member).get(reverse("meetings:my_attendance")).content.decode()
    assert "Warning" in html
    assert "2 of 3 absences" in html
    assert f"{past[-1].date:%a %-d %b %Y}" in html


def test_history_selector_and_partial_for_the_profile(member, other_member, past):
    AttendanceFactory(meeting=past[-1], member=member, mark="M")
    AttendanceFactory(meeting=past[-1], member=other_member, mark="A")
    history = attendance_history(member)
    assert history.rows[0] == (past[-1], "M")
    assert history.rows[1] == (past[-2], "")
    assert len(history.rows) == 26
    assert history.totals["M"] == 1 and history.status.absences == 0
    html = render_to_string("meetings/partials/member_attendance.html", {"history": history})
    assert '<li class="cell mark-M"' in html


@pytest.mark.parametrize("weeks", [4, 26])
def test_my_attendance_query_count_is_fixed(
    login, member, chapter, weeks, django_assert_num_queries
):
    for meeting in weekly_meetings(chapter, end=chapter.today(), weeks=weeks):
        AttendanceFactory(meeting=meeting, member=member, mark="P")
    client = login(member)
    with django_assert_num_queries(4):
        assert client.get(reverse("meetings:my_attendance")).status_code == 200
