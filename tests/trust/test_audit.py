"""Who changed what after the fact is recorded and shown to the president on one page and
in the admin: membership status, roles, submitted attendance and slip corrections."""

import datetime as dt

import pytest
from django.urls import reverse

from meetings.services import record_attendance
from members.models import AuditEvent, Role
from referrals.services import slip_update, week_submit
from tests.factories import AttendanceFactory, CeuFactory, MeetingFactory, MemberFactory

pytestmark = pytest.mark.django_db


def make_history(chapter, member, vice_president, staff, client):
    meeting = MeetingFactory(chapter=chapter, date=chapter.today() - dt.timedelta(days=1))
    AttendanceFactory(meeting=meeting, member=member, mark="P")
    ceu = CeuFactory(member=member, date=meeting.date - dt.timedelta(days=1), topic="Podcast")
    week_submit(meeting=meeting, by=vice_president)
    record_attendance(meeting=meeting, member=member, mark="A", by=vice_president.user)
    slip_update(slip=ceu, by=vice_president, data={"topic": "Workshop"})
    client.force_login(staff)
    response = client.post(
        reverse("admin:members_role_add"),
        {"member": member.pk, "name": "mentor", "started_on": "2025-01-01", "ended_on": ""},
    )
    assert response.status_code == 302
    client.logout()


def test_president_sees_every_kind_of_change_newest_first(
    chapter, member, vice_president, president, staff, client
):
    make_history(chapter, member, vice_president, staff, client)
    client.force_login(president.user)
    html = client.get(reverse("members:audit")).content.decode()
    assert "Attendance" in html and "P → A" in html
    assert "Slips" in html and "Podcast" in html
    assert "Roles" in html and "given Mentor from 01 Jan 2025 (admin)" in html
    assert html.index("given Mentor") < html.index("P → A")  # newest first
    assert "Stella" in html  # who gave the role


def test_members_may_not_read_the_audit_trail(login, member):
    assert login(member).get(reverse("members:audit")).status_code == 403


def test_audit_page_costs_the_same_queries_at_any_size(
    chapter, member, vice_president, president, staff, client, django_assert_num_queries
):
    make_history(chapter, member, vice_president, staff, client)
    client.force_login(president.user)
    with django_assert_num_queries(5) as small:
        client.get(reverse("members:audit"))
    for _ in range(30):
        m = MemberFactory(chapter=chapter)
        Role.objects.create(member=m, name="mentor", started_on=dt.date(2025, 1, 1))
        record_attendance(meeting=chapter.meetings.get(), member=m, mark="A",
                          by=vice_president.user)  # fmt: skip
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("members:audit"))
    assert response.status_code == 200


def test_roles_from_the_member_inline_and_the_roster_import_are_recorded(
    chapter, member, staff, client, tmp_path
):
    from members.importing import import_directory

    (tmp_path / "roster.csv").write_text(
        "email,first_name,last_name,classification,joined_on,status,roles\n"
        f"{member.user.email},Alice,A,{member.classification.name},2024-01-02,active,"
        "vice_president;mentor\n"
    )
    import_directory(chapter, tmp_path)
    (tmp_path / "roster.csv").write_text(
        "email,first_name,last_name,classification,joined_on,status,roles\n"
        f"{member.user.email},Alice,A,{member.classification.name},2024-01-02,active,mentor\n"
    )
    import_directory(chapter, tmp_path)
    summaries = list(AuditEvent.objects.order_by("pk").values_list("action", "summary"))
    assert [a for a, _ in summaries] == ["role_added", "role_added", "role_removed"]
    assert all("(roster import)" in s for _, s in summaries)


def test_audit_rows_are_read_only_in_the_admin(chapter, member, staff, client):
    AuditEvent.objects.create(chapter=chapter, member=member, action="role_added", summary="x")
    client.force_login(staff)
    listing = client.get(reverse("admin:members_auditevent_changelist"), {"action": "role_added"})
    assert listing.status_code == 200
    assert client.get(reverse("admin:members_auditevent_add")).status_code == 403
    event = AuditEvent.objects.get()
    assert (
        client.post(reverse("admin:members_auditevent_delete", args=[event.pk])).status_code == 403
    )
    assert client.get(reverse("admin:members_memberstatuschange_changelist")).status_code == 200
