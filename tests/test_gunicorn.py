"""gunicorn's production settings (``chapter/gunicorn.py``), the ones ``make bench`` measures."""

import http.client
import importlib
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from gunicorn.app.base import Application
from gunicorn.config import Config

import chapter.gunicorn

ROOT = Path(__file__).resolve().parent.parent


class _Settings(Application):
    """gunicorn's own reading of a config module, without starting anything."""

    def __init__(self, location: str):
        self.location = location
        super().__init__()

    def init(self, parser, opts, args):
        return None

    def load_config(self):
        self.cfg = Config()
        self.load_config_from_module_name_or_filename(self.location)

    def load(self):
        raise AssertionError("not started")


def _read(monkeypatch, **env):
    for name in ("WEB_WORKERS", "WEB_THREADS", "WEB_BIND", "BEHIND_TLS_PROXY",
                 "FORWARDED_ALLOW_IPS", "DATABASE_POOL_MAX"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    importlib.reload(chapter.gunicorn)  # it reads the environment as gunicorn imports it
    return _Settings("python:chapter.gunicorn").cfg


def test_one_thread_and_a_socket_per_worker_by_default(monkeypatch):
    cfg = _read(monkeypatch)
    assert cfg.worker_class_str == "gthread"  # keeps connections alive between requests
    assert cfg.workers == 2 * os.cpu_count()
    assert cfg.threads == 1  # one request at a time: none stretched by its neighbours
    assert cfg.reuse_port is True
    assert cfg.bind == ["127.0.0.1:8000"]


def test_threads_do_not_follow_the_pool(monkeypatch):
    assert _read(monkeypatch, DATABASE_POOL_MAX="6").threads == 1
    assert _read(monkeypatch, DATABASE_POOL_MAX="6", WEB_THREADS="2").threads == 2


def test_the_environment_sets_workers_threads_and_address(monkeypatch):
    cfg = _read(monkeypatch, WEB_WORKERS="3", WEB_THREADS="4", WEB_BIND="0.0.0.0:8080")
    assert (cfg.workers, cfg.threads, cfg.bind) == (3, 4, ["0.0.0.0:8080"])


@pytest.mark.parametrize("value", ["0", "many"])
def test_a_worker_count_that_is_not_one_or_more_is_refused(monkeypatch, value):
    with pytest.raises(ImproperlyConfigured, match="WEB_WORKERS"):
        _read(monkeypatch, WEB_WORKERS=value)


def test_without_a_tls_proxy_no_peer_may_say_the_request_came_over_https(monkeypatch):
    cfg = _read(monkeypatch, FORWARDED_ALLOW_IPS="127.0.0.1")  # ignored without the proxy
    assert cfg.forwarded_allow_ips == []
    assert cfg.secure_scheme_headers == {}


def test_behind_a_tls_proxy_only_its_addresses_may(monkeypatch):
    cfg = _read(monkeypatch, BEHIND_TLS_PROXY="1")
    assert cfg.forwarded_allow_ips == ["127.0.0.1", "::1"]
    assert cfg.secure_scheme_headers == {"X-FORWARDED-PROTO": "https"}
    cfg = _read(monkeypatch, BEHIND_TLS_PROXY="1", FORWARDED_ALLOW_IPS="192.0.2.7,2001:db8::/32")
    assert cfg.forwarded_allow_ips == ["192.0.2.7", "2001:db8::/32"]


@pytest.mark.parametrize("value", ["proxy.example.org", "192.0.2.7/24"])
def test_a_proxy_address_that_is_not_one_is_refused(monkeypatch, value):
    with pytest.raises(ImproperlyConfigured, match="FORWARDED_ALLOW_IPS"):
        _read(monkeypatch, BEHIND_TLS_PROXY="1", FORWARDED_ALLOW_IPS=value)


@pytest.mark.parametrize(("behind_tls_proxy", "answer"), [("0", 301), ("1", 404)])
def test_x_forwarded_proto_from_this_host_skips_the_https_redirect_only_behind_the_proxy(
    tmp_path, behind_tls_proxy, answer
):
    """The real server with production's redirect to HTTPS, asked over plain HTTP from this
    host with ``X-Forwarded-Proto: https``: redirected unless a TLS proxy is configured (then
    served: a page that does not exist answers 404)."""
    port = _free_port()
    env = os.environ | {
        "WEB_BIND": f"127.0.0.1:{port}", "WEB_WORKERS": "1", "WEB_THREADS": "1",
        "DJANGO_SETTINGS_MODULE": "tests.process_settings", "DEBUG": "0",
        "SECRET_KEY": "gunicorn-test-" + "x" * 40, "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "1", "BEHIND_TLS_PROXY": behind_tls_proxy,
        "VAR_DIR": str(tmp_path), "LOG_LEVEL": "CRITICAL", "SITE_URL": "https://127.0.0.1",
    }  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "python:chapter.gunicorn",
         "chapter.wsgi", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request("GET", "/no-such-page", headers={"X-Forwarded-Proto": "https"})
                status = connection.getresponse().status
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
            finally:
                connection.close()
        assert status == answer
    finally:
        server.terminate()
        server.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_keep_alive_connections_opened_at_once_are_spread_over_the_workers():
    """Forty connections opened together, each asking which worker serves it: on sockets of
    their own the kernel spreads them, so neither of two workers is left with a handful."""
    with _serving("tests.pid_app:application", WEB_WORKERS="2", WEB_THREADS="2") as port:
        workers = set()
        deadline = time.monotonic() + 20
        while len(workers) < 2 and time.monotonic() < deadline:  # both workers listening
            try:
                workers.add(_ask(port))
            except OSError:
                time.sleep(0.1)
        assert len(workers) == 2, "gunicorn did not start two workers"
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=5) for _ in range(40)]
        for connection in connections:
            connection.connect()
        served = [set() for _ in connections]  # per connection, the workers that answered
        for _ in range(2):  # kept alive: the same worker answers again
            # Every connection asks before any answer is read, as browsers do: a gthread
            # worker reads a new connection's request in one of its threads as it accepts it.
            for connection in connections:
                connection.request("GET", "/")
            for connection, pids in zip(connections, served, strict=True):
                pids.add(connection.getresponse().read().decode())
        for connection in connections:
            connection.close()
        assert all(len(pids) == 1 for pids in served)
        per_worker = Counter(pid for pids in served for pid in pids)
        assert set(per_worker) == workers
        assert min(per_worker.values()) >= 8, per_worker


def _ask(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/")
        return connection.getresponse().read().decode()
    finally:
        connection.close()


def test_a_worker_sets_what_it_loaded_aside_from_the_collector_before_serving():
    """``post_worker_init`` freezes what the worker loaded (``gc.freeze``), so the collector's
    full passes walk only what requests leave behind."""
    with _serving("tests.frozen_app:application", WEB_WORKERS="1", WEB_THREADS="1") as port:
        deadline = time.monotonic() + 20
        while True:
            try:
                frozen = int(_ask(port))
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.1)
        assert frozen > 1000, frozen


@contextmanager
def _serving(app: str, **env: str):
    """gunicorn with the production settings serving ``app`` on a free port: the port."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "python:chapter.gunicorn", app,
         "--log-level", "warning"],
        cwd=ROOT, env=os.environ | {"WEB_BIND": f"127.0.0.1:{port}", **env},
    )  # fmt: skip
    try:
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
