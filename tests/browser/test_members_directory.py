"""The directory on a phone: cards fit the screen and the search narrows them as you type."""

import pytest
from playwright.sync_api import expect

from tests.browser.nav import go_to
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_directory_search_narrows_the_cards_in_place(phone, member, other_member, president):
    problems = []  # a blocked inline script or style would show here
    phone.on(
        "console", lambda msg: "Content Security Policy" in msg.text and problems.append(msg.text)
    )
    phone.goto("/accounts/login/")
    phone.get_by_label("Email").fill(member.user.email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    go_to(phone, "Directory")
    phone.wait_for_url("**/members/")
    phone.wait_for_load_state()  # htmx (a deferred script) is ready once the page has loaded
    assert phone.locator(".member-card").count() == 3

    phone.get_by_label("Find a member").fill("bob")
    expect(phone.locator(".member-card")).to_have_count(1)
    assert "Bob" in phone.locator(".member-card h2").inner_text()
    assert "q=bob" in phone.url
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not problems, problems
