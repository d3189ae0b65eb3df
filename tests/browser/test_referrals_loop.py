"""The loop on a phone: a referral is given, won, thanked, and the giver sees it counted."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.nav import go_to, log_out
from tests.factories import PASSWORD, MemberFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(phone, email):
    phone.goto("/accounts/login/")
    phone.get_by_label("Email").fill(email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.get_by_role("heading", name=re.compile(r"^Hello, ")).wait_for()


def fits_the_screen(phone):
    return phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_referral_is_won_thanked_and_counted_for_the_giver(phone):
    ann = MemberFactory(user=UserFactory(email="ann@example.test", first_name="Ann"))
    ben = MemberFactory(
        chapter=ann.chapter,
        user=UserFactory(email="ben@example.test", first_name="Ben", last_name="Baker"),
    )

    MemberFactory(chapter=ann.chapter, user=UserFactory(first_name="Cara", last_name="Cooper"))

    # Ann passes Ben a referral from her phone.
    log_in(phone, "ann@example.test")
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Log a slip").click()
    phone.get_by_role("heading", name="Log a slip").wait_for()
    phone.wait_for_load_state()  # htmx (a deferred script) listens once the page has loaded
    assert fits_the_screen(phone)
    expect(phone.locator("#id_receiver option")).to_have_count(3)  # "Pick…", Ben, Cara
    phone.get_by_label("Find a member by name or trade").fill("baker")  # htmx narrows the list
    expect(phone.locator("#id_receiver option")).to_have_count(2)
    phone.get_by_label("Referral for").select_option(value=str(ben.pk))
    phone.get_by_label("Outside (a third party)").check()
    phone.get_by_label("Contact name").fill("Hannah Price")
    phone.get_by_label("What they need").fill("A booking system for her clinic")
    phone.get_by_label("3 · …and I gave them a personal testimonial").check()
    phone.get_by_role("button", name="Save referral").click()
    expect(phone.get_by_text("Saved: your referral")).to_be_visible()
    expect(phone.get_by_role("link", name="Log another referral")).to_be_visible()
    assert fits_the_screen(phone)
    # The tabs swap the form in place (htmx) and still fit the screen.
    phone.get_by_role("link", name="Thank-you").click()
    expect(phone.get_by_label("Amount (GBP)")).to_be_visible()
    assert fits_the_screen(phone)
    log_out(phone)

    # Ben marks it won in his inbox and writes the thank-you, prefilled.
    log_in(phone, "ben@example.test")
    go_to(phone, "Referrals")
    row = phone.locator("li.referral-row", has_text="Hannah Price")
    expect(row).to_have_class(re.compile("is-new"))
    row.get_by_label("Note (optional)").fill("Signed a year's contract")
    row.get_by_role("button", name="Won").click()  # an outcome asks once
    row.get_by_role("button", name="Yes, Won").click()
    expect(row.get_by_text("Updated: Won.")).to_be_visible()
    assert fits_the_screen(phone)
    row.get_by_role("link", name="Write a TYFCB").click()
    expect(phone.get_by_label("Thank", exact=True)).to_have_value(str(ann.pk))
    phone.get_by_label("Amount (GBP)").fill("1500")
    phone.get_by_role("button", name="Save thank-you (TYFCB)").click()
    expect(phone.get_by_text("Saved: your thank-you (TYFCB)")).to_be_visible()
    log_out(phone)

    # Ann sees the outcome and the business she generated.
    log_in(phone, "ann@example.test")
    expect(phone.locator("#business-generated")).to_have_text("1,500.00\xa0GBP")
    assert fits_the_screen(phone)
    phone.get_by_role("link", name="Referrals I gave").click()
    given = phone.locator("li.referral-row", has_text="Hannah Price")
    expect(given.locator(".row-head .badge")).to_have_text("Won")
    expect(given.get_by_text("Signed a year's contract")).to_be_visible()
