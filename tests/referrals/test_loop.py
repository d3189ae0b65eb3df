"""Closing the loop: the receiver's updates reach the giver, with their history."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from members.revision import fill_csrf
from referrals.models import ReferralStatusChange
from referrals.services import referral_set_status
from tests.factories import ReferralFactory
from tests.html import shown

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(member, other_member):
    """Alice passed Bob a referral."""
    return ReferralFactory(giver=member, receiver=other_member, contact_name="Hannah Price")


def status_url(referral):
    return reverse("referrals:set_status", args=[referral.pk])


def test_inbox_highlights_new_referrals_with_one_tap_buttons(login, referral, other_member):
    html = login(other_member).get(reverse("referrals:inbox")).content.decode()
    assert f'id="referral-{referral.pk}" class="card referral-row status-new is-new"' in html
    assert 'value="contacted"' in html and 'value="won"' in html


def test_receivers_status_change_appears_in_the_givers_view_with_history(
    login, client, referral, member, other_member
):
    receiver = login(other_member)
    receiver.post(status_url(referral), {"to_status": "contacted", "note": "Left a voicemail"})
    receiver.post(status_url(referral), {"to_status": "won", "note": "Signed today"})
    client.logout()
    html = login(member).get(reverse("referrals:given")).content.decode()
    assert '<span class="badge status-won">Won</span>' in html
    assert "Left a voicemail" in html and "Signed today" in html
    referral.refresh_from_db()
    assert referral.status == "won" and referral.status_changed_at is not None
    history = list(referral.history.values_list("from_status", "to_status", "changed_by"))
    assert history == [
        ("new", "contacted", other_member.user_id),
        ("contacted", "won", other_member.user_id),
    ]


def test_htmx_status_update_returns_just_the_row_offering_a_tyfcb(login, referral, other_member):
    response = login(other_member).post(
        status_url(referral), {"to_status": "won"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="referral-{referral.pk}"')
    assert "<html" not in html
    assert f"?kind=tyfcb&amp;referral={referral.pk}" in html
    assert "Write a TYFCB" in html


def test_plain_post_redirects_back_to_the_inbox(login, referral, other_member):
    response = login(other_member).post(status_url(referral), {"to_status": "contacted"})
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:inbox")


def test_giver_cannot_update_the_status(login, referral, member):
    response = login(member).post(status_url(referral), {"to_status": "won"})
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == "new"


def test_third_member_gets_404_on_someone_elses_referral(login, referral, secretary):
    client = login(secretary)
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    assert client.post(status_url(referral), {"to_status": "won"}).status_code == 404


def test_outsider_gets_404_on_referral(login, referral, outsider):
    assert login(outsider).get(reverse("referrals:detail", args=[referral.pk])).status_code == 404


def test_giver_receiver_and_vice_president_see_the_referral(
    login, client, referral, member, other_member, vice_president
):
    for who in (member, other_member, vice_president):
        client.logout()
        response = login(who).get(reverse("referrals:detail", args=[referral.pk]))
        assert response.status_code == 200
        assert "Hannah Price" in response.content.decode()


def test_status_cannot_go_backwards(referral, other_member):
    referral_set_status(referral=referral, by=other_member, to_status="meeting_booked")
    with pytest.raises(ValidationError) as excinfo:
        referral_set_status(referral=referral, by=other_member, to_status="contacted")
    assert "cannot go back" in str(excinfo.value)


def test_any_open_status_may_jump_to_an_outcome(referral, other_member):
    referral_set_status(referral=referral, by=other_member, to_status="not_a_fit")
    assert referral.status == "not_a_fit"


def test_closed_is_final_for_the_receiver_but_the_vice_president_corrects(
    referral, other_member, vice_president
):
    referral_set_status(referral=referral, by=other_member, to_status="lost")
    with pytest.raises(ValidationError, match="only the vice-president can correct"):
        referral_set_status(referral=referral, by=other_member, to_status="won")
    referral_set_status(referral=referral, by=vice_president, to_status="won", note="Typo")
    last = referral.history.last()
    assert (last.from_status, last.to_status, last.changed_by) == (
        "lost",
        "won",
        vice_president.user,
    )


def test_a_repeated_tap_records_nothing_but_a_note_is_kept(referral, other_member):
    referral_set_status(referral=referral, by=other_member, to_status="contacted")
    assert referral_set_status(referral=referral, by=other_member, to_status="contacted") is None
    referral_set_status(referral=referral, by=other_member, to_status="contacted", note="Again")
    assert ReferralStatusChange.objects.count() == 2


def test_only_the_receiver_or_leadership_may_update(referral, member, secretary):
    for who in (member, secretary):
        with pytest.raises(PermissionDenied):
            referral_set_status(referral=referral, by=who, to_status="contacted")


def test_bad_status_value_is_refused(login, referral, other_member):
    login(other_member).post(status_url(referral), {"to_status": "bogus"})
    referral.refresh_from_db()
    assert referral.status == "new"
    assert not referral.history.exists()


def test_inbox_cards_joined_in_python_are_the_cards_the_template_draws(login, member, other_member):
    """Every kind of card: new, under way with a long need and contact details, won, lost."""
    ReferralFactory(giver=member, receiver=other_member, status="new", need="")
    ReferralFactory(
        giver=member, receiver=other_member, status="contacted", need="<b>x</b> " * 40,
        contact_phone='+44 "1"', contact_email="a&b@example.test", contact_name="<i>Ann</i>",
    )  # fmt: skip
    ReferralFactory(giver=member, receiver=other_member, status="won", contact_email="c@d.test")
    ReferralFactory(giver=member, receiver=other_member, status="lost", contact_phone="123")
    response = login(other_member).get(reverse("referrals:inbox"))
    box = response.context["inbox"]
    cards = [*box.open, *box.closed]
    assert {r.status for r in cards} == {"new", "contacted", "won", "lost"}
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    for referral in cards:  # the cards are kept with a slot for each viewer's CSRF input
        joined = fill_csrf(referral.row_html, response.wsgi_request)
        assert "<b>" not in joined and "<i>" not in joined
        referral.row_html = ""
        drawn = render_to_string(
            "referrals/inbox.html#referral_row",
            {"referral": referral},
            request=response.wsgi_request,
        )
        assert shown(token.sub("", drawn)) == shown(token.sub("", joined)), referral.status
