"""An outcome on a phone: the buttons sit in the same places on every card, an outcome asks
once ("Keep open" has the focus), and "Undo" takes it back; htmx swaps the card each time
without a console error under the site's Content Security Policy."""

import pytest
from playwright.sync_api import expect

from referrals.models import Referral
from tests.browser.nav import go_to, log_in
from tests.factories import ReferralFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOTS = ["Contacted", "Meeting booked", "Won", "Lost", "Not a fit"]


def places(card) -> list[tuple[float, float]]:
    """Each button's left edge and width within its card, in the order of SLOTS."""
    left = card.bounding_box()["x"]
    boxes = [
        card.locator(".status-form button", has_text=name).first.bounding_box() for name in SLOTS
    ]
    return [(round(b["x"] - left), round(b["width"])) for b in boxes]


def test_an_outcome_asks_once_keeps_its_place_and_can_be_undone(phone, member, other_member):
    errors = []
    phone.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    fresh = ReferralFactory(giver=member, receiver=other_member, contact_name="Fresh Lead")
    busy = ReferralFactory(
        giver=member, receiver=other_member, contact_name="Busy Lead", status="meeting_booked"
    )
    log_in(phone, other_member.user.email)
    go_to(phone, "Referrals")
    phone.wait_for_load_state()  # htmx (a deferred script) is ready once the page has loaded
    first = phone.locator(f"#referral-{fresh.pk}")
    second = phone.locator(f"#referral-{busy.pk}")
    assert places(first) == places(second)  # the same button in the same place on each card
    expect(second.get_by_role("button", name="Contacted")).to_be_disabled()

    second.get_by_role("button", name="Lost").click()
    expect(second.get_by_text("Mark as Lost?")).to_be_visible()
    expect(second.get_by_role("button", name="Keep open")).to_be_focused()
    second.get_by_role("button", name="Keep open").click()
    expect(second.get_by_role("button", name="Lost")).to_be_visible()
    busy.refresh_from_db()
    assert busy.status == Referral.Status.MEETING_BOOKED

    second.get_by_role("button", name="Won").click()
    second.get_by_role("button", name="Yes, Won").click()
    expect(second.get_by_text("Updated: Won.")).to_be_visible()
    busy.refresh_from_db()
    assert busy.status == Referral.Status.WON

    second.get_by_role("button", name="Undo").click()
    expect(second.get_by_text("Undone: back to Meeting booked.")).to_be_visible()
    busy.refresh_from_db()
    assert busy.status == Referral.Status.MEETING_BOOKED
    assert phone.evaluate("document.documentElement.scrollWidth") == 390
    assert not errors, errors
