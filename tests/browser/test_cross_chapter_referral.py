"""A referral across the chapter line on a phone (DOMAIN.md "Beyond the chapter"): a member of
one chapter finds a member of another with the search across chapters and passes them a
referral; the receiver marks it won, the giver sees "Won", and nobody else of either chapter
can open it."""

import re

import pytest
from playwright.sync_api import expect

from referrals.models import Referral
from tests.browser.nav import go_to
from tests.factories import PASSWORD, ChapterFactory, MemberFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def person(chapter, email, first, last, company=None):
    """A member whose card holds only what the test names: a company Faker made up could
    carry a searched word ("Baker-Hill Ltd") and show a second card."""
    return MemberFactory(
        chapter=chapter,
        user=UserFactory(email=email, first_name=first, last_name=last),
        company=company or f"{last} Trading",
    )


def log_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name=re.compile(r"^Hello, ")).wait_for()


def phone_of(browser, live_server):
    """Another person's phone: a browser context of their own (390×844)."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.set_default_timeout(10_000)
    return context


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_referral_to_another_chapter_is_won_and_seen_only_by_its_two_members(
    phone, browser, live_server
):
    riverside = ChapterFactory(name="Riverside", slug="riverside", city="London")
    hilltop = ChapterFactory(name="Hilltop", slug="hilltop", city="Leeds")
    person(riverside, "ann@example.test", "Ann", "Archer")
    person(riverside, "cara@example.test", "Cara", "Cooper")
    ben = person(hilltop, "ben@example.test", "Ben", "Baker", company="Baker & Daughters")
    person(hilltop, "dan@example.test", "Dan", "Dyer")
    problems = []  # a blocked inline script or style would show here
    phone.on(
        "console", lambda msg: "Content Security Policy" in msg.text and problems.append(msg.text)
    )

    # Ann, in Riverside, finds Ben of Hilltop and passes him a referral.
    log_in(phone, "ann@example.test")
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Log a slip").click()
    phone.get_by_role("heading", name="Log a slip").wait_for()
    phone.wait_for_load_state()  # htmx (a deferred script) listens once the page has loaded
    search_box = phone.get_by_label("Search every chapter")
    expect(search_box).to_be_hidden()  # until "Another chapter" is chosen
    phone.get_by_label("Another chapter").check()
    expect(search_box).to_be_visible()
    expect(phone.get_by_label("Referral for")).to_be_hidden()  # the chapter's own list
    search_box.fill("bake hill")
    card = phone.locator(".directory-card", has_text="Ben Baker")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Baker & Daughters")
    expect(card).to_contain_text("Hilltop, Leeds")
    expect(phone.locator(".directory-card")).to_have_count(1)
    assert fits_the_screen(phone)
    card.get_by_role("radio").check()
    phone.get_by_label("Contact name").fill("Hannah Price")
    phone.get_by_label("What they need").fill("A new bathroom before the summer")
    phone.get_by_role("button", name="Save referral").click()
    expect(phone.get_by_text("Saved: your referral")).to_be_visible()
    referral = Referral.objects.get()
    assert referral.receiver == ben and referral.chapter == riverside
    assert not problems, problems

    # Ben, on his own phone, finds it in "Referrals for me" and marks it won.
    with phone_of(browser, live_server) as context:
        bens = context.new_page()
        log_in(bens, "ben@example.test")
        go_to(bens, "Referrals")
        row = bens.locator("li.referral-row", has_text="Hannah Price")
        expect(row).to_be_visible()
        row.get_by_role("button", name="Won").click()  # an outcome asks once
        row.get_by_role("button", name="Yes, Won").click()
        expect(row.get_by_text("Updated: Won.")).to_be_visible()
        assert fits_the_screen(bens)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WON

    # Ann sees the outcome among the referrals she gave.
    phone.goto("/")
    phone.get_by_role("link", name="Referrals I gave").first.click()
    given = phone.locator("li.referral-row", has_text="Hannah Price")
    expect(given).to_contain_text("Won")

    # Nobody else of either chapter can open it.
    detail = f"/slips/referral/{referral.pk}/"
    for email in ("cara@example.test", "dan@example.test"):
        with phone_of(browser, live_server) as context:
            page = context.new_page()
            log_in(page, email)
            assert page.goto(detail).status == 404, email
