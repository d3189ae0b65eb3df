"""An outcome (won, lost, not a fit) is final for the receiver, so it is asked about once
before it is stored, and whoever gave it may undo it for a while; every card keeps each
button in the same place whatever the referral's status."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Referral, ReferralStatusChange
from referrals.services import UNDO_WINDOW, referral_set_status, undo_deadline
from tests.factories import ReferralFactory, TyfcbFactory
from tests.html import shown

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def referral(member, other_member):
    """Alice passed Bob a referral; Bob has rung them."""
    return ReferralFactory(
        giver=member, receiver=other_member, contact_name="Hannah Price", status="contacted"
    )


def status_url(referral):
    return reverse("referrals:set_status", args=[referral.pk])


def history(referral):
    return list(
        ReferralStatusChange.objects.filter(referral=referral)
        .order_by("pk")
        .values_list("from_status", "to_status")
    )


def test_an_outcome_tapped_on_a_card_asks_once_and_stores_nothing_yet(
    login, referral, other_member
):
    card = login(other_member).post(
        status_url(referral), {"to_status": "won", "note": "Signed"}, headers=HTMX
    )
    html = shown(card.text)
    assert html.startswith(f'<li id="referral-{referral.pk}"')
    assert "Mark as Won?" in html
    assert '<input type="hidden" name="to_status" value="won">' in html
    assert '<input type="hidden" name="note" value="Signed">' in html  # the note goes along
    assert 'name="confirmed" value="1" class="primary">Yes, Won</button>' in html
    assert 'name="keep" value="1" autofocus>Keep open</button>' in html
    referral.refresh_from_db()
    assert referral.status == "contacted" and history(referral) == []


def test_yes_stores_the_outcome_and_offers_to_undo_it(login, referral, other_member):
    card = login(other_member).post(
        status_url(referral),
        {"to_status": "won", "note": "Signed", "confirmed": "1"},
        headers=HTMX,
    )
    html = shown(card.text)
    assert "Updated: Won." in html
    assert 'name="undo" value="1">Undo</button>' in html
    assert "Write a TYFCB" in html
    referral.refresh_from_db()
    assert referral.status == "won"
    assert history(referral) == [("contacted", "won")]


def test_keep_open_stores_nothing_and_keeps_the_note_typed(login, referral, other_member):
    card = login(other_member).post(
        status_url(referral), {"to_status": "lost", "note": "Rang twice", "keep": "1"}, headers=HTMX
    )
    assert 'value="lost"' in card.text and "Mark as" not in card.text
    assert 'placeholder="e.g. Left a voicemail" value="Rang twice">' in card.text
    referral.refresh_from_db()
    assert referral.status == "contacted" and history(referral) == []


def test_a_step_forward_is_stored_at_once(login, referral, other_member):
    login(other_member).post(status_url(referral), {"to_status": "meeting_booked"}, headers=HTMX)
    referral.refresh_from_db()
    assert referral.status == "meeting_booked"


def test_without_javascript_the_question_is_a_page_of_its_own(login, referral, other_member):
    client = login(other_member)
    detail = reverse("referrals:detail", args=[referral.pk])
    asked = client.post(status_url(referral), {"to_status": "not_a_fit", "next": detail})
    assert asked.status_code == 200
    html = shown(asked.text)
    assert "Mark as Not a fit?" in html
    assert f'<input type="hidden" name="next" value="{detail}">' in html
    assert "hx-post" not in html[html.index('class="confirm-outcome"') :]
    kept = client.post(
        status_url(referral), {"to_status": "not_a_fit", "keep": "1", "next": detail}
    )
    assert kept.status_code == 302 and kept["Location"] == detail
    done = client.post(
        status_url(referral), {"to_status": "not_a_fit", "confirmed": "1", "next": detail}
    )
    assert done.status_code == 302 and done["Location"] == detail
    referral.refresh_from_db()
    assert referral.status == "not_a_fit"
    page = shown(client.get(detail).text)
    assert 'name="undo" value="1">Undo</button>' in page  # on its own page, for a while


def test_the_receiver_undoes_an_outcome_within_the_window(login, referral, other_member):
    client = login(other_member)
    client.post(status_url(referral), {"to_status": "lost", "confirmed": "1"}, headers=HTMX)
    card = client.post(status_url(referral), {"undo": "1"}, headers=HTMX)
    assert "Undone: back to Contacted." in shown(card.text)
    referral.refresh_from_db()
    assert referral.status == "contacted"
    assert history(referral) == [("contacted", "lost"), ("lost", "contacted")]
    # Back where it was: every step and outcome may be chosen again.
    assert 'value="won" class="outcome-won primary">' in card.text


def test_an_outcome_cannot_be_undone_after_the_window(login, referral, other_member):
    referral_set_status(referral=referral, by=other_member, to_status="lost")
    ReferralStatusChange.objects.filter(referral=referral).update(
        changed_at=timezone.now() - UNDO_WINDOW - dt.timedelta(seconds=1)
    )
    card = login(other_member).post(status_url(referral), {"undo": "1"}, headers=HTMX)
    assert "can no longer be undone" in card.text
    referral.refresh_from_db()
    assert referral.status == "lost"
    assert (
        "Undo</button>"
        not in login(other_member).get(reverse("referrals:detail", args=[referral.pk])).text
    )


def test_only_whoever_gave_the_outcome_may_undo_it(login, referral, other_member, vice_president):
    referral_set_status(referral=referral, by=other_member, to_status="won")
    assert undo_deadline(vice_president, referral) is None
    card = login(vice_president).post(status_url(referral), {"undo": "1"}, headers=HTMX)
    assert "can no longer be undone" in card.text
    referral.refresh_from_db()
    assert referral.status == "won"


def test_a_won_referral_someone_thanked_for_stays_won(login, referral, member, other_member):
    referral_set_status(referral=referral, by=other_member, to_status="won")
    TyfcbFactory(writer=other_member, thanked=member, referral=referral)
    card = login(other_member).post(status_url(referral), {"undo": "1"}, headers=HTMX)
    assert "already names this referral" in card.text
    referral.refresh_from_db()
    assert referral.status == "won"


def test_the_giver_is_refused_before_being_asked(login, referral, member):
    response = login(member).post(status_url(referral), {"to_status": "won"}, headers=HTMX)
    assert response.status_code == 403


def _buttons(html: str) -> list[tuple[str, bool]]:
    return [
        (value, "disabled" in attrs)
        for value, attrs in re.findall(r'name="to_status" value="(\w+)"([^>]*)>', html)
    ]


@pytest.mark.parametrize("status", [s for s in Referral.OPEN])
def test_every_open_card_draws_the_same_buttons_in_the_same_order(
    login, member, other_member, status
):
    ReferralFactory(giver=member, receiver=other_member, status=status)
    html = login(other_member).get(reverse("referrals:inbox")).text
    buttons = _buttons(html)
    assert [value for value, _ in buttons] == [
        "contacted", "meeting_booked", "won", "lost", "not_a_fit",
    ]  # fmt: skip
    offered = Referral(status=status).next_statuses()
    assert [value for value, disabled in buttons if not disabled] == offered
