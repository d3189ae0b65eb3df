"""The navigation on a phone at 390 × 844: every entry of each role is in reach without
scrolling sideways (the bar at the bottom, the rest behind "More"), and on meeting day the
vice-president's home takes attendance in one tap. On a wide screen it is a bar at the top."""

import pytest

from members.access import nav_items, viewer_of
from tests.browser.nav import log_in, main_nav, open_more
from tests.factories import MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 390, 844
PERSONAS = ["member", "vice_president", "president", "membership_committee", "staff"]


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def in_view(page, locator) -> dict:
    """The element's box, after asserting that all of it is on the screen and big enough for a
    thumb (44 px high)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    size = page.viewport_size
    assert box is not None, locator
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], box
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], box
    assert box["height"] >= 44, box
    return box


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_entry_of_each_role_is_in_reach_without_scrolling_sideways(persona, request, phone):
    who = request.getfixturevalue(persona)
    user = getattr(who, "user", who)
    items = nav_items(viewer_of(who))
    log_in(phone, user.email)
    assert scroll_width(phone) == WIDTH

    bar = main_nav(phone).locator(".nav-bar > li > a")
    assert bar.count() == sum(item.primary for item in items)
    for i in range(bar.count()):
        box = in_view(phone, bar.nth(i))
        assert box["y"] > HEIGHT - 100  # along the bottom, where the thumb is
    in_view(phone, main_nav(phone).locator("summary"))

    open_more(phone)
    panel = main_nav(phone).locator(".nav-more-panel")
    more = panel.get_by_role("link")
    assert more.count() == sum(not item.primary for item in items)
    for i in range(more.count()):
        in_view(phone, more.nth(i))
    in_view(phone, panel.get_by_role("button", name="Log out"))
    assert scroll_width(phone) == WIDTH


def test_the_page_one_is_on_is_marked_in_the_bar(phone, member):
    log_in(phone, member.user.email)
    main_nav(phone).get_by_role("link", name="Meetings").click()
    phone.get_by_role("heading", name="Meetings").first.wait_for()
    current = main_nav(phone).locator('[aria-current="page"]')
    assert current.inner_text().strip() == "Meetings"


def test_on_meeting_day_the_vice_president_takes_attendance_in_one_tap(
    phone, vice_president, member
):
    chapter = vice_president.chapter
    chapter.meeting_weekday = chapter.today().weekday()
    chapter.save()
    MeetingFactory(chapter=chapter, date=chapter.today())
    log_in(phone, vice_president.user.email)
    take = phone.get_by_role("link", name="Take attendance")
    in_view(phone, take)  # on the first screen of the home page
    take.click()
    phone.get_by_role("heading", name="Attendance").first.wait_for()
    assert phone.locator(f"#member-{member.pk}").is_visible()
    assert scroll_width(phone) == WIDTH


def test_on_a_wide_screen_the_navigation_is_a_bar_at_the_top(browser, live_server, president):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        log_in(page, president.user.email)
        bar = main_nav(page).locator(".nav-bar > li > a")
        for i in range(bar.count()):
            assert bar.nth(i).bounding_box()["y"] < 120
        open_more(page)
        in_view(page, main_nav(page).get_by_role("link", name="Submit the week"))
        assert scroll_width(page) == 1280
    finally:
        context.close()
