"""Closing the loop: the receiver's updates reach the giver, with their history."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

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
    receiver.post(
        status_url(referral), {"to_status": "won", "note": "Signed today", "confirmed": "1"}
    )
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
        status_url(referral), {"to_status": "won", "confirmed": "1"}, headers={"HX-Request": "true"}
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


def test_inbox_cards_show_each_part_escaped_and_a_form_on_each_open_one(
    login, member, other_member
):
    """Every kind of card: new, under way with a long need and contact details, won, lost."""
    new = ReferralFactory(giver=member, receiver=other_member, status="new", need="")
    busy = ReferralFactory(
        giver=member, receiver=other_member, status="contacted", need="<b>x</b> " * 40,
        contact_phone='+44 "1"', contact_email="a&b@example.test", contact_name="<i>Ann</i>",
    )  # fmt: skip
    won = ReferralFactory(
        giver=member, receiver=other_member, status="won", contact_email="c@d.test"
    )
    lost = ReferralFactory(giver=member, receiver=other_member, status="lost", contact_phone="123")
    html = shown(login(other_member).get(reverse("referrals:inbox")).text)
    assert "<b>" not in html and "<i>" not in html and "<!--csrf-->" not in html
    cards = {r.status: _card(html, r) for r in (new, busy, won, lost)}
    assert 'class="card referral-row status-new is-new"' in cards["new"]
    assert 'class="card referral-row status-contacted"' in cards["contacted"]
    assert '<p class="need">' not in cards["new"]
    assert "<strong>&lt;i&gt;Ann&lt;/i&gt;</strong>" in cards["contacted"]
    assert '<p class="need">&lt;b&gt;x&lt;/b&gt; ' in cards["contacted"]
    assert "…</p>" in cards["contacted"]  # the need cut to 160 characters
    assert (
        '<p class="small"><a href="tel:+44 &quot;1&quot;">+44 &quot;1&quot;</a> '
        '<a href="mailto:a&amp;b@example.test">a&amp;b@example.test</a></p>'
    ) in cards["contacted"]
    for referral in (new, busy):  # a tap replaces the card; the viewer's own CSRF input
        card, action = cards[referral.status], status_url(referral)
        assert (
            f'<form method="post" action="{action}" class="status-form" hx-post="{action}" '
            f'hx-target="#referral-{referral.pk}" hx-swap="outerHTML">'
        ) in card
        assert re.search(r'name="csrfmiddlewaretoken" value="[^"]+"', card)
        assert f'<label for="note-{referral.pk}" class="small">Note (optional)</label>' in card
    assert (
        'name="to_status" value="won" class="outcome-won primary">Won</button>'
        in cards["contacted"]
    )
    log = reverse("referrals:log_slip")
    assert f'href="{log}?kind=tyfcb&amp;referral={won.pk}">Write a TYFCB</a>' in cards["won"]
    assert "<form" not in cards["won"] and "<form" not in cards["lost"]
    assert "Write a TYFCB" not in cards["lost"]


def test_a_status_tap_redraws_the_card_as_the_inbox_draws_it(login, referral, other_member):
    client = login(other_member)
    tapped = client.post(
        status_url(referral), {"to_status": "contacted"}, headers={"HX-Request": "true"}
    )
    assert 'role="status">Updated: Contacted.</p>' in tapped.text
    page = client.get(reverse("referrals:inbox")).text
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    message = re.compile(r'<p class="message[^"]*" role="status">[^<]*</p>')
    card = shown(token.sub("", message.sub("", tapped.text)))
    assert card == _card(shown(token.sub("", page)), referral) + "</li>"


def _card(html: str, referral) -> str:
    start = html.index(f'<li id="referral-{referral.pk}"')
    return html[start : html.index("</li>", start)]
