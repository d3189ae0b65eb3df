"""Status changes go through services: stamped, recorded, and the trade rule holds."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from members import services
from members.models import Member, MemberStatusChange, Role
from tests.factories import MemberFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Member.Status


def test_approving_an_applicant_makes_them_active_and_records_who(applicant, membership_committee):
    services.member_approve(member=applicant, by=membership_committee.user)

    applicant.refresh_from_db()
    assert applicant.status == Status.ACTIVE
    assert applicant.status_changed_by == membership_committee.user
    assert applicant.status_changed_at is not None
    assert applicant.renewal_due == services.add_years(applicant.joined_on)
    change = MemberStatusChange.objects.get(member=applicant)
    assert (change.from_status, change.to_status) == (Status.APPLICANT, Status.ACTIVE)
    assert change.changed_by == membership_committee.user


def test_approving_an_applicant_whose_trade_is_held_names_the_holder(
    applicant, member, membership_committee
):
    applicant.classification = member.classification
    applicant.save()

    with pytest.raises(ValidationError) as error:
        services.member_approve(member=applicant, by=membership_committee.user)

    assert "Alice" in str(error.value)
    applicant.refresh_from_db()
    assert applicant.status == Status.APPLICANT
    assert not MemberStatusChange.objects.filter(member=applicant).exists()


def test_only_applicants_can_be_approved(member, membership_committee):
    with pytest.raises(ValidationError, match="is active; cannot approve"):
        services.member_approve(member=member, by=membership_committee.user)


def test_on_leave_member_keeps_the_trade(member, chapter, secretary):
    services.member_put_on_leave(
        member=member, by=secretary.user, leave_from=dt.date(2026, 5, 1),
        leave_until=dt.date(2026, 6, 30),
    )  # fmt: skip
    member.refresh_from_db()
    assert member.status == Status.ON_LEAVE
    assert (member.leave_from, member.leave_until) == (dt.date(2026, 5, 1), dt.date(2026, 6, 30))

    newcomer = MemberFactory.build(
        chapter=chapter, classification=member.classification, user=UserFactory()
    )
    with pytest.raises(ValidationError, match=r"already held .* by Alice"):
        services.save_member(newcomer)


def test_leave_cannot_end_before_it_starts(member, secretary):
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        services.member_put_on_leave(
            member=member, by=secretary.user, leave_from=dt.date(2026, 5, 1),
            leave_until=dt.date(2026, 4, 1),
        )  # fmt: skip


def test_dropping_frees_the_trade_and_keeps_the_member(member, chapter, secretary):
    RoleFactory(member=member, name=Role.Name.MENTOR, started_on=dt.date(2025, 1, 1))

    services.member_drop(member=member, by=secretary.user, left_on=dt.date(2026, 3, 31))

    member.refresh_from_db()
    assert member.status == Status.DROPPED
    assert member.left_on == dt.date(2026, 3, 31)
    assert Role.objects.get(member=member).ended_on == dt.date(2026, 3, 31)
    assert MemberStatusChange.objects.filter(member=member, to_status=Status.DROPPED).exists()
    successor = MemberFactory(chapter=chapter, classification=member.classification)
    assert successor.status == Status.ACTIVE
    assert Member.objects.filter(pk=member.pk).exists()


def test_cannot_leave_before_joining(member, secretary):
    with pytest.raises(ValidationError, match="cannot leave before joining"):
        services.member_drop(member=member, by=secretary.user, left_on=dt.date(2020, 1, 1))
    member.refresh_from_db()
    assert member.status == Status.ACTIVE


def test_reactivating_a_dropped_member_fails_when_their_trade_was_taken(member, chapter, secretary):
    services.member_drop(member=member, by=secretary.user, left_on=dt.date(2026, 3, 31))
    MemberFactory(
        chapter=chapter, classification=member.classification,
        user=UserFactory(first_name="Zed", last_name="Successor"),
    )  # fmt: skip

    with pytest.raises(ValidationError, match="by Zed Successor"):
        services.member_reactivate(member=member, by=secretary.user)
    member.refresh_from_db()
    assert member.status == Status.DROPPED


def test_reactivating_after_leave_clears_the_leave(member, secretary):
    services.member_put_on_leave(member=member, by=secretary.user, leave_from=dt.date(2026, 5, 1))
    services.member_reactivate(member=member, by=secretary.user)
    member.refresh_from_db()
    assert member.status == Status.ACTIVE
    assert member.leave_from is None
    statuses = list(
        MemberStatusChange.objects.filter(member=member)
        .order_by("pk")
        .values_list("from_status", "to_status")
    )
    assert statuses == [(Status.ACTIVE, Status.ON_LEAVE), (Status.ON_LEAVE, Status.ACTIVE)]


def test_renewing_adds_a_year_and_is_recorded(member, secretary):
    member.renewal_due = dt.date(2028, 2, 29)
    member.save()
    services.member_renew(member=member, by=secretary.user)
    member.refresh_from_db()
    assert member.renewal_due == dt.date(2029, 2, 28)
    assert MemberStatusChange.objects.get(member=member).note == "Renewed until 28 Feb 2029."


def test_dropped_member_cannot_be_renewed(member, secretary):
    services.member_drop(member=member, by=secretary.user, left_on=dt.date(2026, 3, 31))
    with pytest.raises(ValidationError, match="cannot renew"):
        services.member_renew(member=member, by=secretary.user)
