"""No signal at the meeting: a slip and two marks wait on the phone and are stored once each.

The phone's copy of Log a slip and Take attendance opens with the network gone (the service
worker, static/sw.js); what is sent from them waits in the outbox (static/js/offline.js) and
goes when the network returns. Logging out leaves nothing of the member on the phone.
"""

import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from meetings.models import Attendance
from referrals.models import Referral
from tests.browser.nav import log_in
from tests.conftest import _member
from tests.factories import ChapterFactory, MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The outbox as the page keeps it (IndexedDB), read and written from the test.
ITEMS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("slipstream-outbox", 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore("items", { keyPath: "key" });
    open.result.createObjectStore("meta");
  };
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const get = open.result.transaction("items").objectStore("items").getAll();
    get.onsuccess = () => { open.result.close(); resolve(get.result); };
  };
})"""
PUT_BACK = """(items) => new Promise((resolve, reject) => {
  const open = indexedDB.open("slipstream-outbox", 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const tx = open.result.transaction("items", "readwrite");
    for (const item of items) tx.objectStore("items").put(item);
    tx.oncomplete = () => { open.result.close(); resolve(items.length); };
  };
})"""
KEPT_PAGES = """async () => {
  const names = await caches.keys();
  const urls = [];
  for (const name of names) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
  }
  return urls;
}"""


@pytest.fixture
def offline_phone(browser, live_server):
    """A phone that lets the site install its service worker."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        service_workers="allow",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def wait_until(check, seconds=10):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the phone never got there"
        time.sleep(0.1)


def kept(page):
    return page.evaluate(KEPT_PAGES)


def test_a_slip_and_two_marks_sent_with_no_signal_are_stored_once_each(offline_phone):
    phone = offline_phone
    chapter = ChapterFactory(name="Riverside", slug="riverside")
    chapter.meeting_weekday = chapter.today().weekday()  # this week's meeting is today's
    chapter.save()
    _member(chapter, "victor@example.test", "Victor", roles=["vice_president"])
    alice = _member(chapter, "alice@example.test", "Alice")
    bob = _member(chapter, "bob@example.test", "Bob")
    meeting = MeetingFactory(chapter=chapter, date=chapter.today())
    log_slip = reverse("referrals:log_slip")
    attendance = reverse("meetings:take_attendance", args=[meeting.pk])

    # Online, the vice-president opens the two pages once: the phone keeps their shells.
    log_in(phone, "victor@example.test")
    phone.goto(log_slip)
    phone.goto(attendance)
    wait_until(lambda: {log_slip, attendance} <= set(kept(phone)))

    # The signal goes. Both pages still open, as the phone kept them (without a member who
    # joined since), and take what is entered.
    _member(chapter, "zed@example.test", "Zed")
    phone.context.set_offline(True)
    phone.goto(log_slip)
    expect(phone.get_by_label("Referral for")).not_to_contain_text("Zed")
    phone.get_by_label("Referral for").select_option(value=str(alice.pk))
    phone.get_by_label("Outside (a third party)").check()
    phone.get_by_label("Contact name").fill("Hannah Price")
    phone.get_by_label("What they need").fill("A booking system")
    phone.get_by_role("button", name="Save referral").click()
    outbox = phone.locator("#outbox")
    expect(outbox).to_contain_text("Waiting to send (1)")

    phone.goto(attendance)
    expect(outbox).to_contain_text("Waiting to send (1)")
    for member, mark in ((alice, "P"), (bob, "A")):
        row = phone.locator(f"#member-{member.pk}")
        row.locator(f"button.mark-{mark}").click()
        expect(row.get_by_text(f"waiting {mark}")).to_be_visible()
    expect(outbox).to_contain_text("Waiting to send (3)")
    waiting = phone.evaluate(ITEMS)
    assert len(waiting) == 3
    assert not Referral.objects.exists()
    assert not Attendance.objects.exists()

    # The signal returns: each is sent, and the server's answer shows.
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    expect(outbox).to_contain_text("Saved: your referral")
    expect(outbox).not_to_contain_text("Waiting to send")
    wait_until(lambda: Attendance.objects.count() == 2)
    referral = Referral.objects.get()
    assert (referral.receiver, referral.contact_name) == (alice, "Hannah Price")
    assert set(Attendance.objects.values_list("member", "mark")) == {
        (alice.pk, "P"),
        (bob.pk, "A"),
    }
    assert phone.evaluate(ITEMS) == []

    # The same three sent again (a phone that lost the answers) store nothing more.
    phone.evaluate(PUT_BACK, waiting)
    phone.reload()
    expect(outbox).to_contain_text("That referral was already saved")
    wait_until(lambda: phone.evaluate(ITEMS) == [])
    assert Referral.objects.count() == 1
    assert Attendance.objects.count() == 2

    # A slip that could not go (the signal too weak for it) waits; logging out leaves
    # nothing of the vice-president's on the phone, that slip included.
    phone.context.set_offline(True)
    phone.goto(log_slip)
    phone.get_by_label("Referral for").select_option(value=str(bob.pk))
    phone.get_by_label("Contact name").fill("Left behind")
    phone.get_by_label("What they need").fill("Nothing")
    phone.get_by_role("button", name="Save referral").click()
    expect(outbox).to_contain_text("Waiting to send (1)")
    phone.route(f"**{log_slip}*", lambda route: route.abort("internetdisconnected"))
    phone.context.set_offline(False)
    phone.goto(reverse("home"))
    expect(outbox).to_contain_text("Waiting to send (1)")
    phone.locator(f"form[action='{reverse('account_logout')}']").first.evaluate(
        "form => form.requestSubmit()"
    )
    phone.get_by_role("link", name="Log in").first.wait_for()
    assert phone.evaluate(ITEMS) == []
    assert kept(phone) == []
    assert phone.evaluate("navigator.serviceWorker.getRegistrations()") == []
    assert Referral.objects.count() == 1


def test_a_slip_and_a_mark_the_signal_fails_on_their_way_wait_and_are_sent_once(offline_phone):
    """The phone believes it has a signal, but the venue's Wi-Fi drops what it sends."""
    phone = offline_phone
    chapter = ChapterFactory(name="Riverside", slug="riverside")
    chapter.meeting_weekday = chapter.today().weekday()
    chapter.save()
    _member(chapter, "victor@example.test", "Victor", roles=["vice_president"])
    alice = _member(chapter, "alice@example.test", "Alice")
    meeting = MeetingFactory(chapter=chapter, date=chapter.today())
    log_slip = reverse("referrals:log_slip")
    attendance = reverse("meetings:take_attendance", args=[meeting.pk])
    log_in(phone, "victor@example.test")
    phone.goto(log_slip)
    wait_until(lambda: log_slip in kept(phone))

    def weak_signal(route):
        if route.request.method == "POST":
            route.abort("connectionreset")
        else:
            route.continue_()

    phone.context.route("**/*", weak_signal)
    phone.goto(log_slip)  # now under the service worker
    phone.get_by_label("Referral for").select_option(value=str(alice.pk))
    phone.get_by_label("Contact name").fill("Hannah Price")
    phone.get_by_label("What they need").fill("A booking system")
    phone.get_by_role("button", name="Save referral").click()
    outbox = phone.locator("#outbox")
    expect(outbox).to_contain_text("The signal was too weak")
    expect(outbox).to_contain_text("Waiting to send (1)")

    phone.goto(attendance)
    row = phone.locator(f"#member-{alice.pk}")
    row.locator("button.mark-L").click()
    expect(row.get_by_text("waiting L")).to_be_visible()
    expect(outbox).to_contain_text("Waiting to send (2)")
    assert not Referral.objects.exists() and not Attendance.objects.exists()

    phone.context.unroute("**/*", weak_signal)
    phone.reload()
    expect(outbox).to_contain_text("Saved: your referral")
    wait_until(lambda: phone.evaluate(ITEMS) == [])
    assert Referral.objects.get().contact_name == "Hannah Price"
    assert list(Attendance.objects.values_list("member", "mark")) == [(alice.pk, "L")]
