"""Tools to break things on purpose: a TCP proxy we can cut, a Redis of our own to kill, the
app in processes of its own (runserver, gunicorn, Celery), a reverse proxy in front of it, and
a browser that connects from an address of its choosing.

Cutting the proxy between the app and PostgreSQL is, for the app, exactly a database restart
(every connection dropped, new ones refused until it is back), without disturbing anything
else that uses the local cluster. The shared Redis is never stopped: a test kills its own.
"""

import contextlib
import http.client
import http.server
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tests.services import unavailable
from tests.trust.http import Reply

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CuttableProxy:
    """Forward 127.0.0.1:``port`` to ``target``; ``cut()`` drops everything, ``mend()`` returns."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None

    def mend(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            if self._listener is not None:
                # shutdown() wakes the thread blocked in accept(); close() alone would leave
                # the socket listening until that accept() had let one more connection in.
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if self._listener is not listener:  # cut while accepting
                client.close()
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update({client, upstream})
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def process_env(*, database_url: str, redis_url: str, secret_key: str, var_dir: Path,
                **extra: str) -> dict[str, str]:  # fmt: skip
    """The environment of a process the test starts: production's settings (``DEBUG=0``,
    ``tests.process_settings``) over plain HTTP on loopback."""
    keep = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return keep | {
        "DJANGO_SETTINGS_MODULE": "tests.process_settings",
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": secret_key,
        "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0", "SECURE_HSTS_SECONDS": "0",
        "VAR_DIR": str(var_dir), "LOG_LEVEL": "CRITICAL", "SITE_URL": "http://127.0.0.1",
    } | extra  # fmt: skip


class AppServer:
    """``manage.py runserver`` (threaded) with production error handling (``DEBUG=0``)."""

    def __init__(self, *, database_url: str, redis_url: str, secret_key: str, var_dir: Path,
                 **extra_env: str):  # fmt: skip
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = process_env(
            database_url=database_url, redis_url=redis_url, secret_key=secret_key,
            var_dir=var_dir, **extra_env,
        )  # fmt: skip
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "AppServer":
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload",
             "--skip-checks"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("the app server did not start")

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


class WebServer:
    """The app under gunicorn with production's settings (``chapter.gunicorn``), in a process
    of its own; ``env`` as ``process_env`` makes it, plus what the test adds."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, threads: int = 4):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env | {
            "WEB_BIND": f"127.0.0.1:{self.port}", "WEB_WORKERS": str(workers),
            "WEB_THREADS": str(threads),
        }  # fmt: skip
        self.log_path = Path(env["VAR_DIR"]) / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "WebServer":
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:chapter.gunicorn",
             "chapter.wsgi", "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()}")
            with contextlib.suppress(OSError):
                Browser(self.url).get("/healthz", timeout=5)
                return self
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not answer:\n{self.log()}")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class CeleryProcess:
    """``celery worker`` (one task at a time) or ``celery beat``, in a process of its own with
    ``env`` (as ``process_env`` makes it), logging to a file in its ``VAR_DIR``."""

    def __init__(self, role: str, name: str, env: dict[str, str]):
        self.role, self.name, self.env = role, name, env
        var_dir = Path(env["VAR_DIR"])
        self.log_path = var_dir / f"{name}.log"
        self.args = [sys.executable, "-m", "celery", "-A", "chapter", role, "--loglevel=INFO"]
        if role == "worker":
            self.args += ["--pool=solo", "-Q", env["CELERY_QUEUE"], "-n", f"{name}@%h"]
            self.args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        else:  # each beat keeps its own schedule file
            self.args += ["--schedule", str(var_dir / f"{name}-schedule")]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 60) -> None:
        ready = "ready." if self.role == "worker" else "beat: Starting"
        deadline = time.monotonic() + timeout
        while ready not in self.log():
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"celery {self.role} {self.name} exited:\n{self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"celery {self.role} {self.name} not ready:\n{self.log()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class RedisServer:
    """A redis-server of the test's own on a free port, which it may kill and start again
    (the shared one is never touched). It saves nothing: started again, it is empty."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            unavailable("this test needs redis-server (apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """As a crash: SIGKILL, no goodbye to its clients."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> "RedisServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.kill()


#: Headers that belong to one connection, which a proxy never passes on.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade",
              "proxy-connection", "content-length", "server", "date"}  # fmt: skip


class ForwardingProxy:
    """A reverse proxy on 127.0.0.1 in front of ``port``, as nginx with ``proxy_set_header
    X-Forwarded-For $proxy_add_x_forwarded_for``: to whatever the client sent in that header
    it appends the address the client connected from."""

    def __init__(self, port: int):
        target = port

        class Handler(http.server.BaseHTTPRequestHandler):
            def forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                client = self.client_address[0]
                sent = self.headers.get("X-Forwarded-For")
                headers["X-Forwarded-For"] = f"{sent}, {client}" if sent else client
                upstream = http.client.HTTPConnection("127.0.0.1", target, timeout=60)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                finally:
                    upstream.close()
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_HEAD = forward

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "ForwardingProxy":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class Browser:
    """A browser as far as the server can tell: it keeps the cookies it is given, sends a CSRF
    cookie with its matching header, and connects from ``source`` (any 127.x.y.z address
    works on Linux's loopback), so each phone has an address of its own."""

    def __init__(self, base_url: str, *, source: str = "127.0.0.1", cookies: dict | None = None):
        parts = urlsplit(base_url)
        self.host, self.port, self.source = parts.hostname, parts.port, source
        self.csrf = secrets.token_hex(16)  # a 32-character secret is a valid unmasked token
        self.cookies = {"csrftoken": self.csrf} | (cookies or {})

    def at(self, base_url: str) -> "Browser":
        """The same browser, cookies and all, at another server of the same site."""
        other = Browser(base_url, source=self.source)
        other.csrf, other.cookies = self.csrf, self.cookies
        return other

    def request(self, method: str, path: str, data: dict | None = None, *,
                headers: dict | None = None, timeout: float = 60) -> Reply:  # fmt: skip
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=timeout, source_address=(self.source, 0)
        )
        sent = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "X-CSRFToken": self.csrf,
        } | (headers or {})
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    if morsel["max-age"] == "0":  # deleted
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
                    if name == "csrftoken" and morsel.value:  # rotated, at signing in
                        self.csrf = morsel.value
            return Reply(response.status, text, dict(response.headers))
        finally:
            connection.close()

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> Reply:
        return self.request("POST", path, data, **kwargs)
