"""Every page each persona may open, read by axe-core at a phone's size and a desk's.

For each persona of the permission matrix (``tests/test_permission_matrix.py``) the test
opens every page the matrix lets them open, and the pages anyone may open (the login page,
the public chapter page and a guest's confirmation), at 390×844 and at 1,280×800, and asks:

- axe-core (vendored in ``vendor/axe-core``, for these tests only) finds no violation of
  WCAG 2.0 and 2.1, levels A and AA;
- nothing is wider than the window (``scrollWidth``), so no page scrolls sideways;
- the browser logged no error: a script or style the CSP refused, a file that did not load.

The chapters have a history (the demo's builders), so tables, charts and lists are full. axe
is put into each page by the browser itself (an init script, through the DevTools protocol),
which the page's CSP does not govern: the CSP stays on, and what it refuses is caught.

Each page is loaded once and checked at both sizes (the window is resized, so the server draws
it once). axe reads each *shape* of page once per window size (``SHAPE``): the president's PALMS
and the vice-president's differ only in names and numbers, so the second is checked for its
width and its console, not read again. That keeps the run to a few minutes on two cores.
"""

from collections import defaultdict
from pathlib import Path, PurePosixPath

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.test_permission_matrix import MATRIX, PERSONAS, _build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_VERSION = "4.14.1"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1280, "height": 800}}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Named URLs that answer something other than a page, besides those named like a file
#: (``palms.csv``, ``sw.js``, ``meeting.ics``), which are downloads.
NOT_PAGES = {
    "healthz",  # JSON for the load balancer
    "floor",  # one line of text: make bench's yardstick
    "referrals:member_search",  # the member picker's list, drawn into the slip form by htmx
}
#: Pages anyone may open that the matrix leaves to the library that serves them.
LIBRARY_PAGES = ["account_login", "account_reset_password", "account_signup"]

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.flatMap(v => v.nodes.map(n => ({
    rule: v.id, impact: v.impact, target: n.target.join(" "), summary: n.failureSummary,
  })));
}"""

#: What a page is made of, to tell a page axe has read from a new one: each element's tag,
#: classes, role and ARIA, tabindex, type and hidden attributes, whether a leaf holds text, and
#: the shapes of its children, each counted once. The names and numbers a page shows, and how
#: many rows of each kind a list has, are left out.
SHAPE = """() => {
  const kept = new RegExp("^(aria-(?!label$|describedby$|labelledby$|controls$)"
    + "|role$|tabindex$|type$|hidden$|disabled$)");
  const named = ["aria-label", "aria-describedby", "aria-labelledby", "aria-controls"];
  const hash = (s) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return h.toString(36);
  };
  const shape = (el) => {
    let s = el.tagName + "." + (el.getAttribute("class") || "");
    for (const a of el.attributes) if (kept.test(a.name)) s += " " + a.name + "=" + a.value;
    for (const a of named) if (el.hasAttribute(a)) s += " " + a;
    if (!el.children.length) s += el.textContent.trim() ? "#text" : "#empty";
    return hash(s + "(" + [...new Set([...el.children].map(shape))].sort().join(",") + ")");
  };
  return shape(document.documentElement) + ":" + window.innerWidth;
}"""


def _world() -> dict:
    """The permission matrix's two chapters and their objects, with a history to draw."""
    from meetings import demo as meetings_demo
    from referrals import demo as referrals_demo

    world = _build_world()
    for chapter in (world["member"].chapter, world["outsider"].chapter):
        meetings_demo.seed(chapter)
        referrals_demo.seed(chapter)
    return world


def _pages(persona: str, world: dict) -> list[tuple[str, str]]:
    """(name, path) of every page the matrix lets ``persona`` open."""
    pages = []
    for name, spec in sorted(MATRIX.items()):
        if name in NOT_PAGES or spec.get("get", {}).get(persona) != 200:
            continue
        path = reverse(name, args=spec["args"](world) if "args" in spec else ())
        if PurePosixPath(path).suffix:
            continue
        if query := spec.get("query"):
            path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        pages.append((name, path))
    if persona == "anonymous":
        from meetings.services import registration_token

        pages += [(name, reverse(name)) for name in LIBRARY_PAGES]
        token = registration_token(world["meeting"])
        confirmation = reverse("meetings:public_registered", args=["riverside", token])
        pages.append(("meetings:public_registered", confirmation))
    return pages


class Findings:
    """Each problem with the page views it was found on, printed readably on failure."""

    def __init__(self):
        self.where: dict[str, list[str]] = defaultdict(list)

    def add(self, where: str, problem: str) -> None:
        self.where[problem].append(where)

    def __bool__(self) -> bool:
        return bool(self.where)

    def report(self) -> str:
        lines = [f"{len(self.where)} problems:"]
        for problem, views in sorted(self.where.items(), key=lambda item: -len(item[1])):
            shown = ", ".join(views[:6]) + (", …" if len(views) > 6 else "")
            lines.append(f"\n{problem}\n  on {len(views)} page views: {shown}")
        return "\n".join(lines)


class Tab:
    """One persona's browser tab: it opens pages and checks each, into ``findings``. Shapes
    axe has read are kept in ``read``, shared by every tab of a test."""

    def __init__(self, browser, base_url: str, findings: Findings, read: set, user=None):
        self.base_url, self.findings, self.read = base_url, findings, read
        self.context = browser.new_context()
        self.context.set_default_timeout(15_000)
        self.context.add_init_script(path=AXE)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            self.context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}]
            )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught {exc}"))
        self.label = ""

    def size(self, label: str) -> None:
        self.label = label
        self.page.set_viewport_size(VIEWPORTS[label])

    def open(self, where: str, path: str) -> None:
        """Load the page once, then check it at each window size in turn."""
        self.errors.clear()
        self.size("phone")
        response = self.page.goto(self.base_url + path)
        if response is None or response.status != 200:
            self.findings.add(where, f"answered {response and response.status}")
            return
        for label in VIEWPORTS:
            self.size(label)
            self.check(where)

    def check(self, where: str, *, status: int = 200) -> None:
        """The page as it is now: axe (once per shape), its width, the console. A page that
        answered ``status`` (a form sent back with its errors: 400) logs that status as an
        error of its own; nothing else may."""
        where = f"{self.label} {where}"
        shape = self.page.evaluate(SHAPE)
        if shape not in self.read:
            self.read.add(shape)
            for v in self.page.evaluate(RUN_AXE, WCAG):
                summary = " ".join(v["summary"].split())
                self.findings.add(
                    where, f"axe {v['rule']} ({v['impact']}) at {v['target']}: {summary}"
                )
        wide, window = self.page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if wide > window:
            self.findings.add(where, f"{wide} px wide in a {window} px window")
        answered = f"the server responded with a status of {status} "
        for error in self.errors:
            if status == 200 or answered not in error:
                self.findings.add(where, f"console: {error}")
        self.errors.clear()

    def close(self) -> None:
        self.context.close()


def test_axe_is_the_pinned_version_with_its_licence():
    assert AXE.read_text(encoding="utf-8").startswith(f"/*! axe v{AXE_VERSION}")
    assert "Mozilla Public License" in (AXE.parent / "LICENSE").read_text(encoding="utf-8")


def test_every_page_of_every_persona_is_accessible_and_fits(browser, live_server):
    world = _world()
    findings, read, views = Findings(), set(), 0
    for persona in PERSONAS:
        who = world.get(persona)
        tab = Tab(browser, live_server.url, findings, read, getattr(who, "user", who))
        for name, path in _pages(persona, world):
            tab.open(f"{persona} {name} {path}", path)
            views += len(VIEWPORTS)
        tab.close()
    print(f"{views} page views checked, {len(read)} shapes read by axe")
    assert views > 250 and len(read) > 60  # every persona's pages, not a handful
    assert not findings, findings.report()


def test_forms_showing_their_errors_are_accessible(browser, live_server):
    """A field's errors are named by its input's aria-describedby: on the login page and the
    public chapter page after a wrong submit, every id it names exists."""
    world = _build_world()
    findings, read = Findings(), set()
    tab = Tab(browser, live_server.url, findings, read)
    page = tab.page
    for label in VIEWPORTS:
        tab.size(label)
        page.goto(live_server.url + reverse("account_login"))
        page.get_by_label("Email").fill(world["member"].user.email)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
        page.locator(".errorlist, [role=alert]").first.wait_for()
        tab.check("anonymous account_login (wrong password)")
        page.goto(live_server.url + reverse("meetings:public", args=["riverside"]))
        page.get_by_label("Your email").fill("not an address")
        page.get_by_role("button", name="Register my visit").click()
        page.locator(".has-error").first.wait_for()
        tab.check("anonymous meetings:public (invalid)", status=400)
    tab.close()
    assert not findings, findings.report()


def test_an_htmx_update_in_the_inbox_logs_no_error_and_stays_accessible(browser, live_server):
    """An htmx swap must not trip the CSP (an inline style or script it inserts would be
    refused, and logged): update a referral in the inbox, then read the console and the card."""
    world = _build_world()
    findings = Findings()
    tab = Tab(browser, live_server.url, findings, set(), world["member"].user)
    page = tab.page
    for label in VIEWPORTS:
        tab.open("member referrals:inbox", reverse("referrals:inbox"))
        tab.size(label)
        card = page.locator(f"#referral-{world['referral'].pk}")
        step = card.locator(".status-steps button:not([disabled])").first
        with page.expect_response(lambda r: "/status/" in r.url):
            step.click()
        card.locator("[role=status]").wait_for()
        page.wait_for_timeout(200)  # htmx settles the swap
        tab.check(f"member referrals:inbox (after {label} update)")
    tab.close()
    assert not findings, findings.report()
