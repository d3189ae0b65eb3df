"""1-2-1s: one per pair per day whoever logs it, and who to meet next."""

import datetime as dt

import pytest
from django.db import IntegrityError
from django.urls import reverse

from referrals.models import OneToOne
from referrals.selectors import suggestions
from referrals.services import one_to_one_log
from reports.palms import palms_rows
from tests.factories import ClassificationFactory, MemberFactory, OneToOneFactory

pytestmark = pytest.mark.django_db


def test_one_to_one_logged_by_both_members_is_one_row_and_counts_once_each(
    member, other_member, today
):
    first, created = one_to_one_log(member=member, other=other_member, date=today, status="done")
    second, created_again = one_to_one_log(
        member=other_member, other=member, date=today, status="done"
    )
    assert created and not created_again
    assert first.pk == second.pk
    assert OneToOne.objects.count() == 1
    rows = palms_rows(member.chapter, today, today)
    assert {row.member_id: row["121"] for row in rows} == {member.pk: 1, other_member.pk: 1}


def test_the_database_refuses_a_second_row_for_the_same_pair_and_day(member, other_member, today):
    OneToOneFactory(member_a=member, member_b=other_member, date=today)
    with pytest.raises(IntegrityError):
        OneToOneFactory(member_a=other_member, member_b=member, date=today)


def test_either_member_marks_a_planned_one_to_one_done(login, member, other_member, today):
    one = OneToOneFactory(member_a=member, member_b=other_member, date=today, status="planned")
    response = login(other_member).post(
        reverse("referrals:one_to_one_status", args=[one.pk]), {"status": "done"}
    )
    assert response.status_code == 302
    one.refresh_from_db()
    assert one.status == "done"


def test_suggestions_put_never_met_sphere_first_then_longest_ago(login, chapter, member, today):
    sphere = member.classification.sphere
    never_same_sphere = MemberFactory(
        chapter=chapter, classification=ClassificationFactory(sphere=sphere)
    )
    never_other_sphere = MemberFactory(chapter=chapter)
    met_long_ago = MemberFactory(chapter=chapter)
    met_recently = MemberFactory(chapter=chapter)
    planned_only = MemberFactory(chapter=chapter)
    OneToOneFactory(member_a=member, member_b=met_long_ago, date=today - dt.timedelta(days=90))
    OneToOneFactory(member_a=met_recently, member_b=member, date=today - dt.timedelta(days=5))
    OneToOneFactory(member_a=member, member_b=planned_only, date=today, status="planned")
    MemberFactory(chapter=chapter, status="dropped", left_on=today)  # not seated: never offered

    ranked = list(suggestions(member))
    assert ranked[0] == never_same_sphere
    assert set(ranked[1:3]) == {never_other_sphere, planned_only}  # planned is not met yet
    assert ranked[3:] == [met_long_ago, met_recently]
    assert ranked[3].last_met == today - dt.timedelta(days=90)


def test_suggestions_page_is_one_query_however_many_members(
    login, chapter, member, django_assert_max_num_queries
):
    for _ in range(10):
        MemberFactory(chapter=chapter)
    client = login(member)
    client.get(reverse("referrals:suggestions"))  # warm the session
    with django_assert_max_num_queries(5):
        response = client.get(reverse("referrals:suggestions"))
    assert response.content.decode().count("Plan a 1-2-1") == 10
