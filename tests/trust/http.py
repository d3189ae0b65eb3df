"""Real HTTP against the live server from many threads at once, with nothing but the stdlib.

Each ``Session`` carries a logged-in session cookie (made by ``Client.force_login``) and a
CSRF cookie with its matching header, as a browser's htmx request would.
"""

import http.client
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.test import Client


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str]


class Session:
    def __init__(self, base_url: str, user=None):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.csrf = secrets.token_hex(16)  # a 32-character secret is a valid unmasked token
        cookies = {"csrftoken": self.csrf}
        if user is not None:
            client = Client()
            client.force_login(user)
            cookies["sessionid"] = client.cookies["sessionid"].value
        self.cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())

    def request(self, method: str, path: str, data: dict | None = None, *, htmx=False) -> Reply:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Cookie": self.cookie, "X-CSRFToken": self.csrf}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if htmx:
            headers["HX-Request"] = "true"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return Reply(
                response.status, response.read().decode(errors="replace"), dict(response.headers)
            )
        finally:
            connection.close()

    def post(self, path: str, data: dict, **kwargs) -> Reply:
        return self.request("POST", path, data, **kwargs)

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)


def all_at_once(calls) -> list:
    """Run every call in its own thread, released together; returns results in call order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:  # reported by the caller's assertions
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
