"""Taking attendance: who may, one tap per mark, the rules of a mark, late edits, races."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from meetings import services
from meetings.models import Attendance, AttendanceChange, Meeting
from tests.factories import (
    AttendanceFactory,
    ClassificationFactory,
    MeetingFactory,
    MemberFactory,
)
from tests.html import shown

pytestmark = pytest.mark.django_db

MEETING_DAY = dt.date(2026, 11, 17)


@pytest.fixture
def meeting(chapter):
    return MeetingFactory(chapter=chapter, date=MEETING_DAY)


def page(meeting):
    return reverse("meetings:take_attendance", args=[meeting.pk])


def mark_url(meeting, member):
    return reverse("meetings:mark", args=[meeting.pk, member.pk])


HTMX = {"HX-Request": "true"}


# --- Who may take attendance ----------------------------------------------------------------------


def test_each_roster_row_posts_its_mark_by_htmx_with_the_viewers_csrf_input(
    login, vice_president, chapter, member, meeting
):
    odd = MemberFactory(
        chapter=chapter,
        user__first_name='<b>"Bo"',
        classification=ClassificationFactory(name="Plumbing & <i>heating</i>"),
    )
    AttendanceFactory(meeting=meeting, member=member, mark="A")
    html = shown(login(vice_president).get(page(meeting)).text)
    assert "<b>" not in html and "<i>" not in html and "<!--csrf-->" not in html
    rows = {m.pk: _row(html, m) for m in (member, odd, vice_president)}
    assert rows[member.pk].startswith(f'<li class="roster-row is-A" id="member-{member.pk}">')
    assert '<span class="badge badge-ok">saved A</span>' in rows[member.pk]
    assert f'<li class="roster-row is-P is-unsaved" id="member-{odd.pk}">' in rows[odd.pk]
    assert '<span class="badge">not saved</span>' in rows[odd.pk]
    assert "<strong>&lt;b&gt;&quot;Bo&quot; " in rows[odd.pk]
    assert "Plumbing &amp; &lt;i&gt;heating&lt;/i&gt;</span>" in rows[odd.pk]
    for m in (member, odd):
        action = mark_url(meeting, m)
        assert (
            f'<form method="post" action="{action}" hx-post="{action}" hx-target="closest li" '
            'hx-swap="outerHTML"><input type="hidden" name="csrfmiddlewaretoken" value="'
        ) in rows[m.pk]
        assert f'role="group" aria-label="Mark for {escape(m.full_name)}">' in rows[m.pk]
        assert rows[m.pk].count("<button") == 5
    # The leader's own row says why it has no buttons.
    assert "You cannot mark yourself" in rows[vice_president.pk]
    assert "mark-button" not in rows[vice_president.pk]


def _row(html: str, member) -> str:
    start = html.rindex('<li class="roster-row', 0, html.index(f'id="member-{member.pk}">'))
    return html[start : html.index("</li>", start)]


def test_vice_president_opens_the_roster_with_everyone_defaulting_to_p(
    login, vice_president, member, other_member, meeting
):
    response = login(vice_president).get(page(meeting))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice" in html and "Bob" in html
    assert html.count("not saved") >= 2
    assert 'value="P" class="mark-button mark-P is-current"' in html


def test_president_may_take_attendance(login, president, member, meeting):
    assert login(president).get(page(meeting)).status_code == 200


def test_staff_may_take_attendance(login, staff, member, meeting):
    assert login(staff).get(page(meeting)).status_code == 200


@pytest.mark.parametrize("persona", ["member", "membership_committee", "secretary"])
def test_members_without_the_role_are_refused(request, login, meeting, persona):
    who = request.getfixturevalue(persona)
    client = login(who)
    assert client.get(page(meeting)).status_code == 403
    assert client.post(mark_url(meeting, who), {"mark": "P"}).status_code == 403
    assert not Attendance.objects.exists()


def test_another_chapters_vice_president_gets_404(login, other_vice_president, member, meeting):
    client = login(other_vice_president)
    assert client.get(page(meeting)).status_code == 404
    assert client.post(mark_url(meeting, member), {"mark": "A"}).status_code == 404
    assert not Attendance.objects.exists()


def test_anonymous_is_sent_to_log_in(client, meeting):
    response = client.get(page(meeting))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_on_leave_member_is_pre_marked_m(login, vice_president, chapter, meeting):
    resting = MemberFactory(
        chapter=chapter, status="on_leave", leave_from=MEETING_DAY - dt.timedelta(days=30)
    )
    html = login(vice_president).get(page(meeting)).content.decode()
    row = html.split(f'id="member-{resting.pk}"')[1].split("</li>")[0]
    assert 'value="M" class="mark-button mark-M is-current"' in row


def test_roster_lists_only_members_who_belonged_on_the_date(
    login, vice_president, chapter, meeting
):
    MemberFactory(
        chapter=chapter, joined_on=MEETING_DAY + dt.timedelta(days=1), user__first_name="Late"
    )
    MemberFactory(
        chapter=chapter,
        status="dropped",
        left_on=MEETING_DAY - dt.timedelta(days=1),
        user__first_name="Gone",
    )
    html = login(vice_president).get(page(meeting)).content.decode()
    assert "Late " not in html and "Gone " not in html


# --- One tap --------------------------------------------------------------------------------------


def test_one_tap_with_htmx_saves_and_returns_the_row_and_the_count(
    login, vice_president, member, meeting
):
    response = login(vice_president).post(mark_url(meeting, member), {"mark": "A"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="roster-row is-A" id="member-{member.pk}"')
    assert 'id="attendance-count"' in html and 'hx-swap-oob="true"' in html
    assert "<html" not in html
    attendance = Attendance.objects.get()
    assert (attendance.member, attendance.mark, attendance.recorded_by) == (
        member,
        "A",
        vice_president.user,
    )


def test_without_javascript_a_tap_redirects_back_to_the_row(login, vice_president, member, meeting):
    response = login(vice_president).post(mark_url(meeting, member), {"mark": "L"})
    assert response.status_code == 302
    assert response["Location"] == f"{page(meeting)}#member-{member.pk}"
    assert Attendance.objects.get().mark == "L"


def test_a_second_tap_changes_the_one_mark(login, vice_president, member, meeting):
    client = login(vice_president)
    client.post(mark_url(meeting, member), {"mark": "A"}, headers=HTMX)
    client.post(mark_url(meeting, member), {"mark": "P"}, headers=HTMX)
    client.post(mark_url(meeting, member), {"mark": "P"}, headers=HTMX)
    assert list(Attendance.objects.values_list("mark", flat=True)) == ["P"]
    assert not AttendanceChange.objects.exists()


def test_s_without_a_name_asks_for_it_and_stores_nothing(login, vice_president, member, meeting):
    response = login(vice_president).post(mark_url(meeting, member), {"mark": "S"}, headers=HTMX)
    html = response.content.decode()
    assert "Name the substitute for an S mark." in html
    assert f'id="substitute-{member.pk}"' in html
    assert not Attendance.objects.exists()


def test_s_without_a_name_without_javascript_shows_the_page_with_the_error(
    login, vice_president, member, meeting
):
    response = login(vice_president).post(mark_url(meeting, member), {"mark": "S"})
    assert response.status_code == 400
    assert "Name the substitute for an S mark." in response.content.decode()
    assert not Attendance.objects.exists()


def test_s_with_a_name_is_stored(login, vice_president, member, meeting):
    login(vice_president).post(
        mark_url(meeting, member), {"mark": "S", "substitute_name": " Jo Bright "}, headers=HTMX
    )
    assert Attendance.objects.values_list("mark", "substitute_name").get() == ("S", "Jo Bright")


def test_an_unknown_mark_is_refused(login, vice_president, member, meeting):
    response = login(vice_president).post(mark_url(meeting, member), {"mark": "X"}, headers=HTMX)
    assert "is not one of the available choices" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_cancelled_meeting_takes_no_marks(login, vice_president, member, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(cancelled=True, cancel_reason="Bank holiday")
    response = login(vice_president).post(mark_url(meeting, member), {"mark": "P"}, headers=HTMX)
    assert "cancelled" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_member_who_had_not_joined_gets_no_mark(login, vice_president, chapter, meeting):
    newcomer = MemberFactory(chapter=chapter, joined_on=MEETING_DAY + dt.timedelta(days=7))
    response = login(vice_president).post(mark_url(meeting, newcomer), {"mark": "P"}, headers=HTMX)
    assert "did not belong to the chapter" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_member_who_had_left_gets_no_mark(login, vice_president, chapter, meeting):
    leaver = MemberFactory(
        chapter=chapter, status="dropped", left_on=MEETING_DAY - dt.timedelta(days=1)
    )
    login(vice_president).post(mark_url(meeting, leaver), {"mark": "A"}, headers=HTMX)
    assert not Attendance.objects.exists()


def test_a_leader_may_not_mark_themselves(login, vice_president, meeting):
    response = login(vice_president).post(
        mark_url(meeting, vice_president), {"mark": "P"}, headers=HTMX
    )
    assert "may not mark themselves" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_member_of_another_chapter_cannot_be_marked(login, vice_president, outsider, meeting):
    response = login(vice_president).post(mark_url(meeting, outsider), {"mark": "P"})
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_save_everyone_writes_defaults_for_the_unmarked_only(
    login, vice_president, member, other_member, chapter, meeting
):
    resting = MemberFactory(chapter=chapter, status="on_leave", leave_from=MEETING_DAY)
    AttendanceFactory(meeting=meeting, member=member, mark="A")
    client = login(vice_president)
    response = client.post(reverse("meetings:mark_everyone", args=[meeting.pk]))
    assert response.status_code == 302
    marks = dict(Attendance.objects.values_list("member_id", "mark"))
    assert marks == {member.pk: "A", other_member.pk: "P", resting.pk: "M"}
    client.post(reverse("meetings:mark_everyone", args=[meeting.pk]))
    assert Attendance.objects.count() == 3


# --- After the week is submitted ------------------------------------------------------------------


@pytest.fixture
def submitted(meeting, vice_president):
    Meeting.objects.filter(pk=meeting.pk).update(
        submitted_at=timezone.now(), submitted_by=vice_president.user
    )
    meeting.refresh_from_db()
    return meeting


def test_vice_president_corrects_a_submitted_week_and_each_change_is_recorded(
    login, vice_president, member, submitted
):
    AttendanceFactory(meeting=submitted, member=member, mark="P")
    client = login(vice_president)
    client.post(mark_url(submitted, member), {"mark": "A"}, headers=HTMX)
    client.post(mark_url(submitted, member), {"mark": "S", "substitute_name": "Jo"}, headers=HTMX)
    changes = list(AttendanceChange.objects.order_by("pk"))
    assert [(c.from_mark, c.to_mark, c.changed_by) for c in changes] == [
        ("P", "A", vice_president.user),
        ("A", "S", vice_president.user),
    ]
    assert changes[1].to_substitute == "Jo"
    assert all(c.changed_at for c in changes)


def test_a_new_mark_in_a_submitted_week_is_recorded_from_nothing(
    login, vice_president, member, submitted
):
    login(vice_president).post(mark_url(submitted, member), {"mark": "L"}, headers=HTMX)
    change = AttendanceChange.objects.get()
    assert (change.from_mark, change.to_mark) == ("", "L")


def test_only_the_vice_president_edits_a_submitted_week(login, president, member, submitted):
    client = login(president)
    assert client.get(page(submitted)).status_code == 403
    assert client.post(mark_url(submitted, member), {"mark": "A"}).status_code == 403
    assert not Attendance.objects.exists()


def test_edits_before_submission_are_not_change_records(login, vice_president, member, meeting):
    client = login(vice_president)
    client.post(mark_url(meeting, member), {"mark": "A"}, headers=HTMX)
    client.post(mark_url(meeting, member), {"mark": "P"}, headers=HTMX)
    assert not AttendanceChange.objects.exists()


# --- The database keeps one mark per member and meeting -------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_vice_presidents_marking_the_same_member_at_once_leave_one_row(chapter):
    from tests.conftest import _member

    meeting = MeetingFactory(chapter=chapter, date=MEETING_DAY)
    member = MemberFactory(chapter=chapter)
    leaders = [
        _member(chapter, f"vp{n}@example.test", f"Vp{n}", roles=["vice_president"])
        for n in range(2)
    ]
    for _ in range(5):
        Attendance.objects.all().delete()
        barrier = threading.Barrier(2)
        errors = []

        def tap(leader, mark, barrier=barrier, errors=errors):
            try:
                barrier.wait()
                services.record_attendance(
                    meeting=meeting, member=member, mark=mark, by=leader.user
                )
            except Exception as exc:  # pragma: no cover - shown on failure
                errors.append(exc)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=tap, args=(leader, mark))
            for leader, mark in zip(leaders, "AL", strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert Attendance.objects.filter(meeting=meeting, member=member).count() == 1
        assert Attendance.objects.get().mark in {"A", "L"}


def test_the_database_refuses_a_second_mark(meeting, member):
    from django.db import IntegrityError, transaction

    AttendanceFactory(meeting=meeting, member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(meeting=meeting, member=member, mark="A")


# --- Query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [5, 40])
def test_roster_page_query_count_does_not_grow(
    login, vice_president, chapter, meeting, size, django_assert_max_num_queries
):
    members = [MemberFactory(chapter=chapter) for _ in range(size)]
    for member in members[::2]:
        AttendanceFactory(meeting=meeting, member=member, mark="A")
    client = login(vice_president)
    with django_assert_max_num_queries(10):
        assert client.get(page(meeting)).status_code == 200
    with django_assert_max_num_queries(13):
        client.post(mark_url(meeting, members[1]), {"mark": "L"}, headers=HTMX)


#: Days from the meeting: near it, where a rule's edge (on the day, the day before) falls.
_DAYS = st.one_of(st.none(), st.integers(min_value=-3, max_value=3))
_PERSON = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["applicant", "active", "on_leave", "dropped"]),
        "joined": st.integers(min_value=-3, max_value=2),
        "left": _DAYS,
        "leave_from": _DAYS,
        "leave_days": st.one_of(st.none(), st.integers(min_value=0, max_value=3)),
        "mark": st.sampled_from(["", "P", "A", "L", "M", "S"]),
    }
)


def _person(status="active", joined=-3, left=None, leave_from=None, leave_days=None, mark=""):
    return {
        "status": status,
        "joined": joined,
        "left": left,
        "leave_from": leave_from,
        "leave_days": leave_days,
        "mark": mark,
    }


#: Every edge at once: joined on the day and the day after, left on the day and the day
#: before, a leave ending on the day and the day before, starting on the day and the day after.
_EDGES = [
    _person(joined=0),
    _person(joined=1),
    _person(status="dropped", left=0),
    _person(status="dropped", left=-1),
    _person(status="on_leave", leave_from=-2, leave_days=2),
    _person(status="on_leave", leave_from=-2, leave_days=1),
    _person(status="on_leave", leave_from=0),
    _person(status="on_leave", leave_from=1),
    _person(status="applicant", mark="P"),
]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=st.lists(_PERSON, min_size=1, max_size=8))
@example(people=_EDGES)
def test_the_count_a_tap_reads_is_the_rosters_count(db, people):
    """``mark_count`` (one statement) holds to the rule as the roster applies it: who belongs
    on the day, and their saved mark or their default (M on leave that day, else P)."""
    from meetings import selectors

    meeting = MeetingFactory(date=MEETING_DAY)

    def day(offset):
        return None if offset is None else MEETING_DAY + dt.timedelta(days=offset)

    for person in people:
        joined = day(person["joined"])
        left = day(person["left"])
        leave_from = day(person["leave_from"])
        leave_until = None
        if person["leave_days"] is not None:
            leave_until = (leave_from or MEETING_DAY) + dt.timedelta(days=person["leave_days"])
        member = MemberFactory(
            chapter=meeting.chapter,
            status=person["status"],
            joined_on=joined,
            left_on=left if left is None or left >= joined else joined,
            leave_from=leave_from,
            leave_until=leave_until,
        )
        if person["mark"]:
            AttendanceFactory(
                meeting=meeting, member=member, mark=person["mark"], substitute_name="Sam"
            )
    assert selectors.mark_count(meeting) == selectors.count_rows(
        selectors.attendance_roster(meeting)
    )


@pytest.mark.parametrize("size", [5, 40])
def test_a_tap_reads_the_same_few_queries_whatever_the_roster(
    login, vice_president, chapter, meeting, size
):
    """A tap during the meeting: the user with their seat, the meeting, the member, the
    upsert, and the meeting's count with every saved mark in one read."""
    from tests.test_page_queries import TRANSACTION_CONTROL

    members = [MemberFactory(chapter=chapter) for _ in range(size)]
    for member in members[::2]:
        AttendanceFactory(meeting=meeting, member=member, mark="A")
    client = login(vice_president)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(mark_url(meeting, members[1]), {"mark": "L"}, headers=HTMX)
    assert response.status_code == 200
    asked = [q["sql"] for q in captured if not TRANSACTION_CONTROL.match(q["sql"])]
    assert len(asked) == 5, asked


def test_the_roster_counts_itself_as_the_meeting_count_does(chapter, meeting, vice_president):
    """The page counts its own rows (no second read); it must agree with ``mark_count``."""
    from meetings import selectors

    resting = MemberFactory(
        chapter=chapter, status="on_leave", leave_from=MEETING_DAY - dt.timedelta(days=3)
    )
    late, absent, _unmarked = (MemberFactory(chapter=chapter) for _ in range(3))
    AttendanceFactory(meeting=meeting, member=late, mark="L")
    AttendanceFactory(meeting=meeting, member=absent, mark="A")
    AttendanceFactory(meeting=meeting, member=resting, mark="S", substitute_name="Sam")
    rows = selectors.attendance_roster(meeting)
    counted = selectors.count_rows(rows)
    assert counted == selectors.mark_count(meeting)
    assert counted.totals["L"] == counted.totals["A"] == counted.totals["S"] == 1
    assert counted.unsaved == counted.people - 3
