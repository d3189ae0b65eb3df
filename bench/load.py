"""A small bounded load driver: N concurrent keep-alive clients against 127.0.0.1 only.

Each client is a thread with its own HTTP/1.1 connection and its own logged-in session
cookie; it issues requests back to back until the shared budget is spent. Latencies are
wall-clock per request as the client saw them.
"""

import gzip
import http.client
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Request:
    method: str
    path: str
    cookie: str
    body: bytes = b""
    headers: dict | None = None
    #: What the request is reported as (the meeting burst mixes several).
    kind: str = ""
    #: The status that means it worked, where one does (a slip saved redirects); else < 400.
    expect: int | None = None
    #: Text in the answer that means the server refused it (a form drawn again with its errors).
    refused: bytes = b""


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _send(conn: http.client.HTTPConnection, req: Request) -> bool:
    # As a browser asks: the page gzipped (its cost is the server's, counted here too).
    headers = {
        "Cookie": req.cookie,
        "Host": "127.0.0.1",
        "Accept-Encoding": "gzip",
        **(req.headers or {}),
    }
    if req.body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(req.method, req.path, body=req.body or None, headers=headers)
    response = conn.getresponse()
    answer = response.read()
    if req.expect is not None and response.status != req.expect:
        return False
    if req.refused and response.getheader("Content-Encoding") == "gzip":
        answer = gzip.decompress(answer)
    return response.status < 400 and not (req.refused and req.refused in answer)


def _timed(conn: http.client.HTTPConnection, port: int, req: Request):
    """Send one request; returns (worked, milliseconds, the connection to use next)."""
    started = time.perf_counter()
    try:
        ok = _send(conn, req)
    except (OSError, http.client.HTTPException):
        ok = False
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    return ok, (time.perf_counter() - started) * 1000, conn


def run(
    port: int,
    make_request: Callable[[int, int], Request],
    *,
    clients: int,
    total: int | None = None,
    seconds: float | None = None,
) -> Result:
    """Issue ``total`` requests from ``clients`` concurrent connections, or as many as they
    send in ``seconds``."""
    if (total is None) == (seconds is None):
        raise ValueError("Give either total or seconds.")
    lock = threading.Lock()
    issued = 0
    latencies: list[float] = []
    errors = 0
    until = None

    def worker(client_no: int) -> None:
        nonlocal issued, errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if (total is not None and issued >= total) or (
                    until is not None and time.perf_counter() >= until
                ):
                    break
                issued += 1
                n = issued
            ok, elapsed, conn = _timed(conn, port, make_request(client_no, n))
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    if seconds is not None:
        until = started + seconds
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(len(latencies), errors, time.perf_counter() - started, latencies)


def run_scripts(
    port: int, scripts: list[list[Request]], *, clients: int
) -> tuple[dict[str, Result], float]:
    """Play ``scripts`` (each one person's requests, in order) on ``clients`` concurrent
    connections: a free client takes the next script and plays it to the end. Returns a
    result per request kind and the seconds the whole took."""
    lock = threading.Lock()
    waiting = list(reversed(scripts))
    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not waiting:
                    break
                script = waiting.pop()
            for req in script:
                ok, elapsed, conn = _timed(conn, port, req)
                with lock:
                    latencies.setdefault(req.kind, []).append(elapsed)
                    errors[req.kind] = errors.get(req.kind, 0) + (not ok)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    results = {
        kind: Result(len(times), errors[kind], seconds, times) for kind, times in latencies.items()
    }
    return results, seconds
