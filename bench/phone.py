"""A phone on a slow network: each of a member's main pages, and take attendance, in Chromium.

Chromium is throttled through the DevTools protocol as a mid-range phone on a venue's weak
signal: slow 4G (about 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip) and a CPU four
times slower, at 390×844. Each page is opened twice in a fresh browser profile: cold (nothing
cached, no service worker yet) and warm (opened again, as the next visit is). For each visit:
the Largest Contentful Paint, the requests the page made, those that went over the network
and the bytes they carried, and the requests that blocked its first render.

Targets: LCP ≤ 1.5 s cold and ≤ 0.8 s warm; a warm visit fetches only its HTML over the
network (static files are fingerprinted and cached for good); one render-blocking request, the
stylesheet.
"""

import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.urls import reverse

from bench.pages import CSRF, Personas, _take_attendance
from members.models import Member

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
#: Slow 4G as the DevTools protocol takes it: bytes a second and milliseconds.
NETWORK = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 200_000,
    "uploadThroughput": 93_750,
    "connectionType": "cellular4g",
}
CPU_SLOWDOWN = 4
VIEWPORT = {"width": 390, "height": 844}
LCP_COLD_MS, LCP_WARM_MS = 1500, 800

#: The member's five main pages, as the navigation offers them, and the vice-president's grid.
PAGES: list[tuple[str, str, Callable[[Member], str]]] = [
    ("home", "member", lambda m: reverse("home")),
    ("log a slip", "member", lambda m: reverse("referrals:log_slip")),
    ("referrals inbox", "member", lambda m: reverse("referrals:inbox")),
    ("meetings", "member", lambda m: reverse("meetings:list")),
    ("my profile", "member", lambda m: reverse("members:profile", args=[m.pk])),
    ("take attendance", "leader", _take_attendance),
]

#: The last Largest Contentful Paint candidate once the page has loaded (``buffered``: the
#: entries recorded before this observer was made).
LCP = """() => new Promise((resolve) => {
  let last = null;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) last = entry;
  });
  observer.observe({ type: "largest-contentful-paint", buffered: true });
  setTimeout(() => {
    observer.disconnect();
    resolve(last && { ms: last.startTime, element: last.element ? last.element.tagName : "" });
  }, 300);
})"""
#: What held the first render back (Chromium's Resource Timing ``renderBlockingStatus``).
BLOCKING = """() => performance.getEntriesByType("resource")
  .filter((r) => r.renderBlockingStatus === "blocking")
  .map((r) => ({ url: r.name, type: r.initiatorType }))"""


#: The start of each request a phone sends ("GET /slips/log/ HTTP/1.1").
REQUEST_LINE = re.compile(rb"(?:GET|POST|HEAD) [^ ]+ HTTP/1\.1")


class Wire:
    """A relay between Chromium and gunicorn that counts the bytes crossing it, each way.

    The DevTools protocol reports no bytes for an answer a service worker passed on (a
    navigation the worker answered, or a file it fetched), so the bytes are counted here, on
    the wire, whoever asked."""

    def __init__(self, port: int):
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.down = self.up = 0
        self.asked: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                phone, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                phone.close()
                continue
            threading.Thread(target=self._pipe, args=(phone, server, "up"), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, phone, "down"), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, way: str) -> None:
        try:
            while data := source.recv(65536):
                # Counted before it is passed on: whoever reads the answer then finds it counted.
                with self.lock:
                    setattr(self, way, getattr(self, way) + len(data))
                    if way == "up":
                        self.asked += REQUEST_LINE.findall(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def take(self) -> dict[str, int]:
        with self.lock:
            counted = {
                "bytes": self.down,
                "bytes_up": self.up,
                "on_the_wire": [line.decode("latin-1") for line in self.asked],
            }
            self.down, self.up, self.asked = 0, 0, []
        return counted

    def close(self) -> None:
        self.listener.close()


class Requests:
    """The page's requests as the DevTools protocol reports them, and which of them were
    answered from a cache (the HTTP cache, or the service worker's own) rather than the
    network."""

    def __init__(self, cdp):
        self.seen: dict[str, dict] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.responseReceived", self._received)

    def _sent(self, event):
        self.seen[event["requestId"]] = {"url": event["request"]["url"], "cached": False}

    def _from_cache(self, event):
        if event["requestId"] in self.seen:
            self.seen[event["requestId"]]["cached"] = True

    def _received(self, event):
        response, row = event["response"], self.seen.get(event["requestId"])
        kept_by_worker = response.get("fromServiceWorker") and response.get(
            "serviceWorkerResponseSource"
        ) in {"cache-storage", "http-cache"}
        if row is not None and (
            response.get("fromDiskCache") or response.get("fromPrefetchCache") or kept_by_worker
        ):
            row["cached"] = True

    def take(self) -> dict:
        rows, self.seen = list(self.seen.values()), {}
        network = [r["url"] for r in rows if not r["cached"]]
        return {"requests": len(rows), "network_requests": len(network), "network_urls": network}


#: Time for what a page does after it settles (its service worker keeping the offline
#: pages it links to) to be counted with that page, not the next.
SETTLE_SECONDS = 1.0


def _visit(page, requests: Requests, wire: Wire, url: str) -> dict:
    wire.take()
    page.goto(url, wait_until="load")
    lcp = page.evaluate(LCP)
    page.wait_for_load_state("networkidle")
    time.sleep(SETTLE_SECONDS)
    return {
        "lcp_ms": round(lcp["ms"]) if lcp else None,
        "lcp_element": lcp["element"] if lcp else None,
        "render_blocking": page.evaluate(BLOCKING),
        **requests.take(),
        **wire.take(),
    }


def _context(browser, base: str, cookie: str):
    context = browser.new_context(
        base_url=base,
        viewport=VIEWPORT,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        service_workers="allow",
    )
    jar = dict(part.split("=", 1) for part in cookie.split("; "))
    context.add_cookies(
        [{"name": name, "value": value, "url": base} for name, value in jar.items()]
    )
    return context


def measure(port: int, personas: Personas, pages=PAGES) -> dict:
    """Every page cold then warm; skipped (and said so) where Chromium or Playwright is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "Playwright is not installed (pip install -e '.[dev]')"}
    if not os.path.exists(CHROMIUM):
        return {"skipped": f"no Chromium at {CHROMIUM} (set CHROMIUM_PATH)"}
    wire = Wire(port)
    base = f"http://127.0.0.1:{wire.port}"
    logins = {"member": personas.members[0], "leader": personas.leaders[0]}
    assert settings.SESSION_COOKIE_NAME in logins["member"].cookie and CSRF
    # The ORM before Playwright's event loop starts: Django refuses queries inside one.
    visits = [(label, who, path(logins[who].member)) for label, who, path in pages]
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for label, who, path in visits:
                login = logins[who]
                context = _context(browser, base, login.cookie)
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", NETWORK)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
                requests = Requests(cdp)
                url = base + path
                cold = _visit(page, requests, wire, url)
                warm = _visit(page, requests, wire, url)
                context.close()
                rows.append({"page": label, "path": path, "cold": cold, "warm": warm})
                print(
                    f"  {label:<18} LCP cold {cold['lcp_ms']} ms, warm {warm['lcp_ms']} ms",
                    flush=True,
                )
        finally:
            browser.close()
            wire.close()
    return {
        "network": NETWORK,
        "cpu_slowdown": CPU_SLOWDOWN,
        "viewport": VIEWPORT,
        "pages": rows,
        "targets": _targets(rows),
    }


def _targets(rows: list[dict]) -> dict[str, bool]:
    def html_only(visit: dict) -> bool:
        return visit["network_requests"] == 1 and len(visit["on_the_wire"]) == 1

    def one_stylesheet(visit: dict) -> bool:
        blocking = visit["render_blocking"]
        return len(blocking) <= 1 and all(b["url"].endswith(".css") for b in blocking)

    return {
        f"LCP ≤ {LCP_COLD_MS / 1000:g} s cold on every page": all(
            (r["cold"]["lcp_ms"] or 1e9) <= LCP_COLD_MS for r in rows
        ),
        f"LCP ≤ {LCP_WARM_MS / 1000:g} s warm on every page": all(
            (r["warm"]["lcp_ms"] or 1e9) <= LCP_WARM_MS for r in rows
        ),
        "a warm visit fetches only its HTML": all(html_only(r["warm"]) for r in rows),
        "one render-blocking request, the stylesheet": all(
            one_stylesheet(r[visit]) for r in rows for visit in ("cold", "warm")
        ),
    }


def report(phone: dict) -> None:
    """The phone's table as the bench prints it."""
    if "skipped" in phone:
        print(f"\nA phone on a slow network: skipped, {phone['skipped']}.")
        return
    print(
        "\nA phone on a slow network (slow 4G: "
        f"{phone['network']['downloadThroughput'] * 8 / 1e6:g} Mbit/s down, "
        f"{phone['network']['latency']} ms; CPU {phone['cpu_slowdown']}× slower; "
        f"{phone['viewport']['width']}×{phone['viewport']['height']}):"
    )
    print(
        f"{'page':<18}{'LCP cold':>10}{'LCP warm':>10}{'cold: req/net/KB':>19}"
        f"{'warm: req/net/KB':>19}{'blocking':>10}"
    )
    for row in phone["pages"]:
        c, w = row["cold"], row["warm"]
        print(
            f"{row['page']:<18}{c['lcp_ms']:>10}{w['lcp_ms']:>10}"
            f"{f'{c["requests"]}/{c["network_requests"]}/{c["bytes"] / 1024:.1f}':>19}"
            f"{f'{w["requests"]}/{w["network_requests"]}/{w["bytes"] / 1024:.1f}':>19}"
            f"{len(c['render_blocking']):>10}"
        )
    for target, ok in phone["targets"].items():
        print(f"  {'pass' if ok else 'FAIL'}  {target}")
