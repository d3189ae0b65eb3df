"""A thank-you's amount is income (DOMAIN.md): staff read every chapter's totals, and its single
thank-you slips only once an admin grants them ``referrals.view_tyfcb_amounts`` explicitly;
granting and revoking it is recorded in the audit trail."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from members.access import holds, reads_tyfcb_slips, viewer_of
from members.models import AuditEvent
from referrals.models import SlipCorrection
from referrals.services import slip_update, week_submit
from tests.factories import (
    MeetingFactory,
    ReferralFactory,
    TyfcbFactory,
    UserFactory,
    grant_tyfcb_slips,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tyfcb(member, other_member):
    """Bob referred Alice; Alice closed the business and thanks him for 987.65."""
    referral = ReferralFactory(giver=other_member, receiver=member, contact_name="Dana Diaz")
    return TyfcbFactory(writer=member, thanked=other_member, amount="987.65", referral=referral)


@pytest.fixture
def rita(db):
    """Staff who helps the region with the admin: no superuser, no grant yet."""
    return UserFactory(email="rita@example.test", first_name="Rita", is_staff=True)


def permission() -> Permission:
    return Permission.objects.get(
        content_type__app_label="referrals", codename="view_tyfcb_amounts"
    )


def detail(tyfcb) -> str:
    return reverse("referrals:tyfcb_detail", args=[tyfcb.pk])


# --- Staff without the grant ----------------------------------------------------------------


def test_staff_without_the_grant_do_not_open_a_thank_you_even_as_superuser(login, staff, tyfcb):
    client = login(staff)
    assert staff.is_superuser  # every permission implicitly: not a grant on record
    assert client.get(detail(tyfcb)).status_code == 404
    page = client.get(reverse("referrals:detail", args=[tyfcb.referral_id]))
    assert page.status_code == 200 and "Dana Diaz" in page.text
    assert "987.65" not in page.text and detail(tyfcb) not in page.text


def test_staff_without_the_grant_find_no_thank_you_in_the_admin(login, staff, tyfcb):
    client = login(staff)
    assert "TYFCBs" not in client.get(reverse("admin:index")).text
    assert client.get(reverse("admin:referrals_tyfcb_changelist")).status_code == 403
    change = reverse("admin:referrals_tyfcb_change", args=[tyfcb.pk])
    assert client.get(change).status_code == 403
    assert client.post(reverse("admin:referrals_tyfcb_delete", args=[tyfcb.pk])).status_code == 403
    assert "987.65" not in client.get(reverse("admin:referrals_referral_changelist")).text


def test_staff_see_the_totals_without_the_grant(login, staff, tyfcb):
    csv = login(staff).get(reverse("reports:region"), {"format": "csv"}).text
    assert "987.65" in csv  # the chapter's TYFCB column: a total, not a slip


def corrected(tyfcb, vice_president):
    """The VP submits the week, then corrects the amount: a correction holding amounts."""
    meeting = MeetingFactory(chapter=tyfcb.chapter, date=tyfcb.date)
    week_submit(meeting=meeting, by=vice_president)
    slip_update(slip=tyfcb, by=vice_president, data={"amount": "5000.00"})
    return SlipCorrection.objects.get(kind="tyfcb")


def test_a_thank_you_correction_shows_its_amounts_to_leaders_only(
    login, client, staff, president, vice_president, tyfcb
):
    correction = corrected(tyfcb, vice_president)
    assert "987.65" in correction.summary
    html = login(president).get(reverse("members:audit")).text
    assert "987.65 → 5000.00" in html
    client.logout()
    staff_client = login(staff)
    html = staff_client.get(reverse("members:audit"), {"chapter": tyfcb.chapter.slug}).text
    assert "Edited tyfcb of the week ending" in html
    assert "987.65" not in html and "5000" not in html
    corrections = staff_client.get(reverse("admin:referrals_slipcorrection_changelist"))
    assert corrections.context["cl"].result_count == 0
    grant_tyfcb_slips(staff)
    corrections = login(staff).get(reverse("admin:referrals_slipcorrection_changelist"))
    assert corrections.context["cl"].result_count == 1


# --- The grant, in the admin, audited -------------------------------------------------------


def user_form(user, *, permissions=(), groups=()) -> dict:
    """The admin's user change form as a browser posts it."""
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "is_staff": "on",
        "groups": [g.pk for g in groups],
        "user_permissions": [p.pk for p in permissions],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
    }


def test_an_admin_grants_the_permission_and_the_audit_trail_records_who(
    login, client, staff, rita, tyfcb, president
):
    admin = login(staff)
    change = reverse("admin:members_user_change", args=[rita.pk])
    assert "Can read individual TYFCB slips and their amounts" in admin.get(change).text
    response = admin.post(change, user_form(rita, permissions=[permission()]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action=AuditEvent.Action.GRANTED)
    assert event.by == staff and event.chapter is None
    assert event.summary == (
        "rita@example.test given “Can read individual TYFCB slips and their amounts” "
        "(referrals.view_tyfcb_amounts)"
    )
    client.logout()

    reader = login(rita)
    response = reader.get(detail(tyfcb))
    assert response.status_code == 200 and "987.65" in response.text
    client.logout()

    # Every chapter's leaders see who may now read their members' income.
    html = login(president).get(reverse("members:audit")).text
    assert "Permissions" in html and "rita@example.test given" in html
    client.logout()

    admin = login(staff)
    assert admin.post(change, user_form(rita)).status_code == 302
    revoked = AuditEvent.objects.get(action=AuditEvent.Action.REVOKED)
    assert revoked.by == staff and revoked.summary.startswith("rita@example.test no longer given")
    client.logout()
    assert login(rita).get(detail(tyfcb)).status_code == 404


def test_an_admin_saving_a_user_unchanged_records_nothing(login, staff, rita):
    grant_tyfcb_slips(rita)
    AuditEvent.objects.all().delete()
    change = reverse("admin:members_user_change", args=[rita.pk])
    assert login(staff).post(change, user_form(rita, permissions=[permission()])).status_code == 302
    assert not AuditEvent.objects.exists()


def test_a_grant_through_a_group_is_recorded_for_each_member_it_reaches(rita):
    auditors = Group.objects.create(name="Auditors")
    auditors.user_set.add(rita)
    assert not AuditEvent.objects.exists()  # the group gives nothing watched yet
    auditors.permissions.add(permission())
    [event] = AuditEvent.objects.all()
    assert event.action == "granted" and event.by is None
    assert event.summary.endswith("through the group Auditors")
    assert reads_tyfcb_slips(viewer_of(rita))

    joiner = UserFactory(email="jo@example.test", is_staff=True)
    joiner.groups.add(auditors)
    assert AuditEvent.objects.filter(summary__contains="jo@example.test given").exists()
    joiner.groups.remove(auditors)
    assert AuditEvent.objects.filter(
        action="revoked", summary__endswith="by leaving the group Auditors"
    ).exists()

    auditors.permissions.clear()
    assert AuditEvent.objects.filter(action="revoked", summary__contains="rita@").exists()
    assert not reads_tyfcb_slips(viewer_of(rita))


def test_a_grant_that_changes_nothing_is_not_recorded(rita):
    grant_tyfcb_slips(rita)
    auditors = Group.objects.create(name="Auditors")
    auditors.permissions.add(permission())
    before = AuditEvent.objects.count()
    rita.groups.add(auditors)  # she already holds it directly
    rita.user_permissions.remove(permission())  # and still holds it through the group
    assert AuditEvent.objects.count() == before
    assert reads_tyfcb_slips(viewer_of(rita))


def test_the_grant_counts_for_active_staff_only(rita, member):
    grant_tyfcb_slips(rita)
    grant_tyfcb_slips(member.user)
    assert not reads_tyfcb_slips(viewer_of(member))  # a member reads theirs as a member
    rita.is_active = False
    assert not holds(viewer_of(rita), "referrals.view_tyfcb_amounts")


def test_granted_staff_read_a_thank_you_in_the_admin(login, rita, tyfcb):
    view = Permission.objects.get(content_type__app_label="referrals", codename="view_tyfcb")
    rita.user_permissions.add(view)
    client = login(rita)
    assert client.get(reverse("admin:referrals_tyfcb_changelist")).status_code == 403
    grant_tyfcb_slips(rita)
    listing = login(rita).get(reverse("admin:referrals_tyfcb_changelist"))
    assert listing.status_code == 200 and "987.65" in listing.text


def test_the_date_of_the_grant_is_the_audit_rows_time(rita):
    grant_tyfcb_slips(rita)
    event = AuditEvent.objects.get()
    assert abs(event.at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
