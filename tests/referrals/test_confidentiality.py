"""TYFCB amounts are confidential; slips are not found by guessing ids."""

import pytest
from django.urls import reverse

from tests.factories import CeuFactory, OneToOneFactory, TyfcbFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tyfcb(member, other_member):
    """Alice closed business from Bob's referral and thanks him."""
    return TyfcbFactory(writer=member, thanked=other_member, amount="4321.00")


def tyfcb_url(tyfcb):
    return reverse("referrals:tyfcb_detail", args=[tyfcb.pk])


@pytest.mark.parametrize("who", ["member", "other_member", "vice_president", "president"])
def test_writer_thanked_and_leadership_see_the_tyfcb(login, request, tyfcb, who):
    response = login(request.getfixturevalue(who)).get(tyfcb_url(tyfcb))
    assert response.status_code == 200
    assert "4,321.00\xa0GBP" in response.content.decode()  # grouped, with the currency


@pytest.mark.parametrize("who", ["secretary", "membership_committee", "outsider"])
def test_third_member_gets_404_on_a_tyfcb_slip(login, request, tyfcb, who):
    assert login(request.getfixturevalue(who)).get(tyfcb_url(tyfcb)).status_code == 404


def test_third_member_sees_only_their_own_totals_on_the_dashboard(login, tyfcb, secretary):
    html = login(secretary).get(reverse("home")).content.decode()
    assert "4321" not in html
    assert 'id="business-generated">0.00\xa0GBP' in html


def test_thanked_member_sees_the_credit_and_writer_the_business_received(
    login, client, tyfcb, member, other_member
):
    html = login(other_member).get(reverse("home")).content.decode()
    assert 'id="business-generated">4,321.00\xa0GBP' in html
    client.logout()
    html = login(member).get(reverse("home")).content.decode()
    assert 'id="business-received">4,321.00\xa0GBP' in html


@pytest.mark.parametrize("kind", ["tyfcb", "one_to_one", "ceu"])
def test_guessed_ids_of_other_members_slips_answer_404(
    login, kind, other_member, vice_president, secretary
):
    slip = {
        "tyfcb": lambda: TyfcbFactory(writer=other_member, thanked=vice_president),
        "one_to_one": lambda: OneToOneFactory(member_a=other_member, member_b=vice_president),
        "ceu": lambda: CeuFactory(member=other_member),
    }[kind]()
    client = login(secretary)
    assert client.get(reverse("referrals:slip_edit", args=[kind, slip.pk])).status_code == 404
    assert client.post(reverse("referrals:slip_delete", args=[kind, slip.pk])).status_code == 404
    assert type(slip).objects.filter(pk=slip.pk).exists()


def test_thanked_member_may_read_but_not_edit_the_tyfcb(login, tyfcb, other_member):
    client = login(other_member)
    assert client.get(reverse("referrals:slip_edit", args=["tyfcb", tyfcb.pk])).status_code == 403


def test_unknown_slip_kind_is_404(login, member):
    assert login(member).get("/slips/bogus/1/edit/").status_code == 404
