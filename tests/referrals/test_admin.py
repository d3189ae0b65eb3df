"""The slip admin: every list page in a fixed number of queries, filters and search work."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.factories import (
    CeuFactory,
    MemberFactory,
    OneToOneFactory,
    ReferralFactory,
    TyfcbFactory,
)

pytestmark = pytest.mark.django_db

BUILD = {
    "referral": lambda a, b, i: ReferralFactory(giver=a, receiver=b, contact_name=f"C{i}"),
    "tyfcb": lambda a, b, i: TyfcbFactory(writer=a, thanked=b),
    "onetoone": lambda a, b, i: OneToOneFactory(
        member_a=a, member_b=b, date=f"2026-01-{i + 1:02d}"
    ),
    "ceu": lambda a, b, i: CeuFactory(member=a),
    "testimonial": lambda a, b, i: factories.TestimonialFactory(giver=a, receiver=b),
}


def build(model, chapter, n):
    for i in range(n):
        BUILD[model](MemberFactory(chapter=chapter), MemberFactory(chapter=chapter), i)


@pytest.mark.parametrize("model", ["referral", "tyfcb", "onetoone", "ceu", "testimonial"])
def test_changelist_query_count_does_not_grow(
    login, staff, chapter, model, django_assert_max_num_queries
):
    if model == "tyfcb":
        factories.grant_tyfcb_slips(staff)
    client = login(staff)
    url = f"{reverse(f'admin:referrals_{model}_changelist')}?chapter__id__exact={chapter.pk}"
    build(model, chapter, 3)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    build(model, chapter, 25)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 28


def test_referral_admin_filters_by_member_and_searches(login, staff, member, other_member):
    ReferralFactory(giver=member, receiver=other_member, contact_name="Hannah Price")
    # A fixed name: a random one ("Shannah …") could match the search below.
    ReferralFactory(
        giver=other_member,
        receiver=MemberFactory(chapter=member.chapter),
        contact_name="Omar Reyes",
    )
    client = login(staff)
    url = reverse("admin:referrals_referral_changelist")
    response = client.get(url, {"chapter__id__exact": member.chapter_id, "member": member.pk})
    assert response.context["cl"].result_count == 1
    response = client.get(url, {"q": "hannah"})
    assert response.context["cl"].result_count == 1


def test_referral_change_page_shows_the_history_inline(login, staff, member, other_member):
    from referrals.services import referral_set_status

    referral = ReferralFactory(giver=member, receiver=other_member)
    referral_set_status(referral=referral, by=other_member, to_status="contacted", note="Rang")
    html = (
        login(staff)
        .get(reverse("admin:referrals_referral_change", args=[referral.pk]))
        .content.decode()
    )
    assert "Rang" in html


def test_admin_is_for_staff_only(login, vice_president):
    response = login(vice_president).get(reverse("admin:referrals_tyfcb_changelist"))
    assert response.status_code == 302
