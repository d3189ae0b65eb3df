"""The admin changelists for meetings, marks and visitors keep a fixed query count."""

import pytest
from django.urls import reverse

from tests.factories import (
    AttendanceFactory,
    MeetingFactory,
    MemberFactory,
    VisitFactory,
    VisitorFactory,
)

pytestmark = pytest.mark.django_db


def fill(chapter, size):
    import datetime as dt

    for n in range(size):
        meeting = MeetingFactory(chapter=chapter, date=dt.date(2026, 1, 6) + dt.timedelta(weeks=n))
        AttendanceFactory(
            meeting=meeting,
            member=MemberFactory(chapter=chapter),
            mark="PALMS"[n % 5],
            substitute_name="Sub",
        )
        VisitFactory(
            meeting=meeting,
            visitor=VisitorFactory(chapter=chapter),
            invited_by=MemberFactory(chapter=chapter),
        )


@pytest.mark.parametrize(
    "page", ["meeting", "attendance", "visitor", "attendancechange", "rotaplace"]
)
@pytest.mark.parametrize("size", [2, 12])
def test_changelists_run_a_fixed_number_of_queries(
    login, staff, chapter, page, size, django_assert_max_num_queries
):
    fill(chapter, size)
    client = login(staff)
    with django_assert_max_num_queries(9):
        response = client.get(reverse(f"admin:meetings_{page}_changelist"))
    assert response.status_code == 200


def test_changelist_filters(login, staff, chapter):
    fill(chapter, 3)
    client = login(staff)
    meetings = client.get(
        reverse("admin:meetings_meeting_changelist"), {"submitted": "no", "cancelled__exact": "0"}
    )
    assert meetings.status_code == 200 and meetings.context["cl"].result_count == 3
    marks = client.get(reverse("admin:meetings_attendance_changelist"), {"mark": "A"})
    assert marks.context["cl"].result_count == 1


@pytest.mark.parametrize("visits", [1, 8])
def test_visitor_page_with_its_visits_inline_has_fixed_queries(
    login, staff, chapter, visits, django_assert_max_num_queries
):
    import datetime as dt

    visitor = VisitorFactory(chapter=chapter)
    for n in range(visits):
        VisitFactory(
            visitor=visitor,
            meeting=MeetingFactory(
                chapter=chapter, date=dt.date(2026, 1, 6) + dt.timedelta(weeks=n)
            ),
            invited_by=MemberFactory(chapter=chapter),
        )
    client = login(staff)
    with django_assert_max_num_queries(12):
        assert (
            client.get(reverse("admin:meetings_visitor_change", args=[visitor.pk])).status_code
            == 200
        )
