"""The main navigation as a person on a phone uses it: the entries on the bar at the bottom of
the screen, the rest behind "More" (a <details>, opened by a tap on its summary)."""

from playwright.sync_api import Page

from tests.factories import PASSWORD


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def open_more(page: Page) -> None:
    """Open "More" if it is closed (a second tap would close it)."""
    more = main_nav(page).locator("details.nav-more")
    if more.get_attribute("open") is None:
        more.locator("summary").click()


def go_to(page: Page, name: str) -> None:
    """Tap the navigation's entry ``name``: on the bar if it is there, else behind "More"."""
    link = main_nav(page).locator(".nav-bar > li > a").filter(has_text=name)
    if link.count():
        link.first.click()
        return
    open_more(page)
    main_nav(page).locator(".nav-more-panel").get_by_role("link", name=name, exact=True).click()


def log_out(page: Page) -> None:
    open_more(page)
    main_nav(page).get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").wait_for()


def log_in(page: Page, email: str) -> None:
    """Sign in through the login form, as a person does, and wait for the home page."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Hello").first.wait_for()
