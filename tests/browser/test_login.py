"""The real browser logs in on a phone-sized screen."""

import pytest

from tests.browser.nav import log_out
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_logs_in_and_out_in_the_browser(phone):
    UserFactory(email="ruth@example.test", first_name="Ruth")
    phone.goto("/")
    phone.get_by_role("link", name="Log in").click()
    phone.get_by_label("Email").fill("ruth@example.test")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.get_by_role("heading", name="Hello, Ruth").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    log_out(phone)
