"""``make bench``'s phone: the relay counts what crosses the wire, the targets read the visits
as the issue states them, and a real throttled Chromium measures a page of a generated region."""

import http.client
import http.server
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import phone
from bench.generate import generate
from bench.pages import Personas

BODY = b"x" * 5000


class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


def test_the_relay_counts_every_byte_and_request_that_crosses_it():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    wire = phone.Wire(server.server_address[1])
    try:
        conn = http.client.HTTPConnection("127.0.0.1", wire.port, timeout=5)
        for path in ("/one", "/two"):
            conn.request("GET", path)
            assert conn.getresponse().read() == BODY
        conn.close()
        counted = wire.take()
    finally:
        wire.close()
        server.shutdown()
    assert counted["on_the_wire"] == ["GET /one HTTP/1.1", "GET /two HTTP/1.1"]
    assert 2 * len(BODY) < counted["bytes"] < 2 * len(BODY) + 1000
    assert counted["bytes_up"] > 0
    assert wire.take()["bytes"] == 0  # taking starts the count again


def visit(lcp, network=1, wire=1, blocking=("/static/css/slipstream.css",)):
    return {
        "lcp_ms": lcp,
        "network_requests": network,
        "on_the_wire": ["GET / HTTP/1.1"] * wire,
        "render_blocking": [{"url": url, "type": "link"} for url in blocking],
    }


def test_the_targets_are_the_issues():
    good = {"page": "home", "cold": visit(1500, network=6, wire=6), "warm": visit(800)}
    assert all(phone._targets([good]).values())

    slow_cold = good | {"cold": visit(1501, network=6, wire=6)}
    slow_warm = good | {"warm": visit(801)}
    fetches_again = good | {"warm": visit(700, network=2, wire=2)}
    worker_fetched = good | {"warm": visit(700, network=1, wire=2)}
    two_sheets = good | {"cold": visit(900, blocking=("/a.css", "/b.css"))}
    a_script = good | {"warm": visit(700, blocking=("/htmx.js",))}
    no_paint = good | {"warm": visit(None)}
    verdicts = {
        name: [target for target, ok in phone._targets([row]).items() if not ok]
        for name, row in {
            "slow_cold": slow_cold, "slow_warm": slow_warm, "fetches_again": fetches_again,
            "worker_fetched": worker_fetched, "two_sheets": two_sheets, "a_script": a_script,
            "no_paint": no_paint,
        }.items()
    }  # fmt: skip
    assert verdicts == {
        "slow_cold": ["LCP ≤ 1.5 s cold on every page"],
        "slow_warm": ["LCP ≤ 0.8 s warm on every page"],
        "fetches_again": ["a warm visit fetches only its HTML"],
        "worker_fetched": ["a warm visit fetches only its HTML"],
        "two_sheets": ["one render-blocking request, the stylesheet"],
        "a_script": ["one render-blocking request, the stylesheet"],
        "no_paint": ["LCP ≤ 0.8 s warm on every page"],
    }


@pytest.mark.browser
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_throttled_phone_measures_a_page_cold_and_warm(live_server):
    generate(chapters=2, members=8, weeks=6)
    personas = Personas.build(spread=2)
    port = int(live_server.url.rsplit(":", 1)[1])

    # Playwright's sync API refuses a thread with a running event loop, which a browser test
    # earlier on this worker may leave behind: the bench measures from a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as thread:
        measured = thread.submit(phone.measure, port, personas, pages=phone.PAGES[:1]).result()

    (home,) = measured["pages"]
    cold, warm = home["cold"], home["warm"]
    assert cold["lcp_ms"] > 0 and warm["lcp_ms"] > 0
    # Slow 4G: a page and its files take more than a few round trips of 150 ms.
    assert cold["lcp_ms"] > 3 * phone.NETWORK["latency"]
    assert cold["network_requests"] > warm["network_requests"] >= 1
    assert cold["bytes"] > warm["bytes"] > 0
    assert "GET / HTTP/1.1" in cold["on_the_wire"]
    assert set(measured["targets"]) == set(phone._targets(measured["pages"]))
