"""A small bounded load driver: N concurrent keep-alive clients against 127.0.0.1 only.

Each client is a thread with its own HTTP/1.1 connection and its own logged-in session
cookie; it issues requests back to back until the shared budget is spent. Latencies are
wall-clock per request as the client saw them.
"""

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


def run(
    port: int, make_request: Callable[[int, int], Request], *, clients: int, total: int
) -> Result:
    """Issue ``total`` requests from ``clients`` concurrent connections."""
    lock = threading.Lock()
    issued = 0
    latencies: list[float] = []
    errors = 0

    def worker(client_no: int) -> None:
        nonlocal issued, errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if issued >= total:
                    break
                issued += 1
                n = issued
            req = make_request(client_no, n)
            headers = {"Cookie": req.cookie, "Host": "127.0.0.1", **(req.headers or {})}
            if req.body:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            started = time.perf_counter()
            try:
                conn.request(req.method, req.path, body=req.body or None, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(len(latencies), errors, time.perf_counter() - started, latencies)
