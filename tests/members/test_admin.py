"""The membership committee's admin: fixed query counts, actions, the roster import page."""

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import Invitation, Member, MemberStatusChange
from tests.factories import (
    ClassificationFactory,
    ContactSphereFactory,
    MemberFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Status = Member.Status


def _grow(chapter, start, stop):
    """Members (with a role, a trade, a sphere) and open invitations numbered start…stop-1."""
    for i in range(start, stop):
        sphere = ContactSphereFactory(name=f"Sphere {i % 7}")
        trade = ClassificationFactory(name=f"Admin trade {i}", sphere=sphere)
        member = MemberFactory(chapter=chapter, classification=trade)
        RoleFactory(member=member, name="mentor")
        Invitation(
            chapter=chapter, email=f"inv{i}@example.test", first_name="I", last_name=str(i),
            classification=trade, invited_by=member.user, token_hash=f"{i:064d}",
            expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        ).save()  # fmt: skip


LIST_PAGES = [
    "admin:members_member_changelist",
    "admin:members_chapter_changelist",
    "admin:members_role_changelist",
    "admin:members_invitation_changelist",
    "admin:members_classification_changelist",
    "admin:members_contactsphere_changelist",
]


@pytest.mark.parametrize("page", LIST_PAGES)
def test_admin_list_pages_keep_a_fixed_number_of_queries(
    page, login, staff, chapter, django_assert_max_num_queries
):
    client = login(staff)
    _grow(chapter, 0, 5)
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse(page)).status_code == 200
    _grow(chapter, 5, 40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse(page)).status_code == 200


def test_member_list_filters_and_search(login, staff, chapter, member, other_member):
    client = login(staff)
    member.renewal_due = dt.date.today() + dt.timedelta(days=10)
    member.save()
    other_member.renewal_due = dt.date.today() - dt.timedelta(days=1)
    other_member.save()
    url = reverse("admin:members_member_changelist")
    soon = client.get(url, {"renewal": "soon"})
    assert "alice@example.test" in soon.text and "bob@example.test" not in soon.text
    overdue = client.get(url, {"renewal": "overdue"})
    assert "bob@example.test" in overdue.text and "alice@example.test" not in overdue.text
    found = client.get(url, {"q": member.classification.name})
    assert "alice@example.test" in found.text and "bob@example.test" not in found.text


def _action(client, action, members, **extra):
    return client.post(
        reverse("admin:members_member_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [m.pk for m in members], **extra},
        follow=True,
    )


def test_approve_action_names_the_holder_when_the_trade_is_taken(login, staff, member, chapter):
    ok = MemberFactory(chapter=chapter, status=Status.APPLICANT, renewal_due=None)
    clash = MemberFactory(
        chapter=chapter, status=Status.APPLICANT, renewal_due=None,
        classification=member.classification, user=UserFactory(first_name="Clash"),
    )  # fmt: skip
    response = _action(login(staff), "approve", [ok, clash])
    assert "Approved 1 member(s)" in response.text
    assert f"already held in Riverside by {member.full_name}" in response.text
    ok.refresh_from_db()
    clash.refresh_from_db()
    assert (ok.status, clash.status) == (Status.ACTIVE, Status.APPLICANT)


def test_drop_action_asks_for_the_last_day_then_drops(login, staff, member):
    client = login(staff)
    ask = _action(client, "drop", [member])
    assert "Last day of membership" in ask.text
    member.refresh_from_db()
    assert member.status == Status.ACTIVE

    done = _action(client, "drop", [member], apply="1", left_on="2026-06-30")
    assert "Dropped 1 member(s)" in done.text
    member.refresh_from_db()
    assert (member.status, member.left_on) == (Status.DROPPED, dt.date(2026, 6, 30))
    assert member.status_changed_by == staff


def test_leave_action_validates_its_dates(login, staff, member):
    client = login(staff)
    bad = _action(
        client, "put_on_leave", [member], apply="1", leave_from="2026-06-30",
        leave_until="2026-06-01",
    )  # fmt: skip
    assert "Leave cannot end before it starts" in bad.text
    member.refresh_from_db()
    assert member.status == Status.ACTIVE
    _action(client, "put_on_leave", [member], apply="1", leave_from="2026-06-01")
    member.refresh_from_db()
    assert (member.status, member.leave_from) == (Status.ON_LEAVE, dt.date(2026, 6, 1))


def test_renew_action_adds_a_year(login, staff, member):
    _action(login(staff), "renew", [member])
    member.refresh_from_db()
    assert member.renewal_due == dt.date(2028, 1, 2)


def test_export_action_downloads_the_selected_as_roster_csv(login, staff, member, other_member):
    response = _action(login(staff), "export_roster", [member])
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("email,first_name,last_name,company,classification")
    assert len(lines) == 2 and lines[1].startswith("alice@example.test,Alice,")


def test_member_change_form_shows_status_history_and_audit_fields(login, staff, member):
    from members import services

    services.member_renew(member=member, by=staff)
    page = login(staff).get(reverse("admin:members_member_change", args=[member.pk]))
    assert page.status_code == 200
    assert "Status history" in page.text and "Renewed until" in page.text
    assert 'name="status"' not in page.text  # status moves only through the actions


def test_adding_a_member_for_a_taken_trade_names_the_holder(login, staff, member, chapter):
    user = UserFactory(email="newbie@example.test")
    response = login(staff).post(
        reverse("admin:members_member_add"),
        {
            "user": user.pk, "chapter": chapter.pk, "classification": member.classification.pk,
            "status": "active", "joined_on": "2026-01-06",
            "roles-TOTAL_FORMS": "0", "roles-INITIAL_FORMS": "0",
            "status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert f"is already held in Riverside by {member.full_name}" in response.text
    assert not Member.objects.filter(user=user).exists()


def test_adding_a_member_in_the_admin_records_the_first_status(login, staff, chapter):
    user = UserFactory(email="newbie@example.test")
    trade = ClassificationFactory(name="Florist")
    response = login(staff).post(
        reverse("admin:members_member_add"),
        {
            "user": user.pk, "chapter": chapter.pk, "classification": trade.pk,
            "status": "active", "joined_on": "2026-01-06",
            "roles-TOTAL_FORMS": "0", "roles-INITIAL_FORMS": "0",
            "status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 302
    member = Member.objects.get(user=user)
    assert member.status_changed_by == staff
    assert MemberStatusChange.objects.get(member=member).to_status == Status.ACTIVE


def test_chapter_admin_validates_the_light_points(login, staff, chapter):
    from django.forms.models import model_to_dict

    data = {k: ("" if v is None else v) for k, v in model_to_dict(chapter).items()}
    data.update(light_points='{"absences": [20]}', meeting_time="07:00")
    response = login(staff).post(reverse("admin:members_chapter_change", args=[chapter.pk]), data)
    assert response.status_code == 200
    assert "light_points must be an object with exactly the keys" in response.text


def test_invitation_admin_sends_and_resends(login, staff, chapter):
    trade = ClassificationFactory(name="Baker")
    client = login(staff)
    response = client.post(
        reverse("admin:members_invitation_add"),
        {"chapter": chapter.pk, "email": "Baker@Example.test", "first_name": "Bea",
         "last_name": "Baker", "classification": trade.pk},
    )  # fmt: skip
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "baker@example.test" and invitation.invited_by == staff
    assert len(mail.outbox) == 1
    first_hash = invitation.token_hash

    client.post(
        reverse("admin:members_invitation_changelist"),
        {"action": "send_invitation", ACTION_CHECKBOX_NAME: [invitation.pk]},
    )
    invitation.refresh_from_db()
    assert len(mail.outbox) == 2
    assert invitation.token_hash != first_hash


def test_roster_import_page_is_all_or_nothing_with_line_numbers(login, staff, chapter):
    client = login(staff)
    url = reverse("admin:members_member_import_roster")
    assert "Import roster CSV" in client.get(reverse("admin:members_member_changelist")).text
    bad = (
        "email,first_name,last_name,company,classification,phone,joined_on,left_on,"
        "renewal_due,status,roles\n"
        "ok@example.test,Ok,Person,,Plumber,,2024-01-01,,,active,\n"
        "bad@example.test,Bad,Person,,Roofer,,2024-01-01,,,sleeping,\n"
    )
    response = client.post(
        url, {"chapter": chapter.pk, "file": SimpleUploadedFile("roster.csv", bad.encode())}
    )
    assert response.status_code == 200
    assert "roster.csv:3: status &#x27;sleeping&#x27; is not one of" in response.text
    assert not Member.objects.exists()

    good = bad.replace("sleeping", "active")
    response = client.post(
        url, {"chapter": chapter.pk, "file": SimpleUploadedFile("roster.csv", good.encode())},
        follow=True,
    )  # fmt: skip
    assert "Roster imported into Riverside" in response.text
    assert Member.objects.filter(chapter=chapter).count() == 2


def test_roster_import_page_refuses_large_files(login, staff, chapter):
    big = SimpleUploadedFile("roster.csv", b"x" * (1_048_576 + 1))
    response = login(staff).post(
        reverse("admin:members_member_import_roster"), {"chapter": chapter.pk, "file": big}
    )
    assert "the limit is 1024 KB" in response.text


def test_invitation_admin_respects_the_rate_limit(login, staff, chapter):
    from members import services

    trade = ClassificationFactory(name="Baker")
    client = login(staff)
    for n in range(services.INVITATIONS_PER_HOUR):
        services.invitation_create(
            chapter=chapter, email=f"p{n}@example.test", first_name="P", last_name=str(n),
            classification=trade, as_applicant=True, invited_by=staff,
        )  # fmt: skip
    response = client.post(
        reverse("admin:members_invitation_add"),
        {"chapter": chapter.pk, "email": "late@example.test", "first_name": "Late",
         "last_name": "Comer", "classification": trade.pk, "as_applicant": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "please wait a while" in response.text
    assert not Invitation.objects.filter(email="late@example.test").exists()
