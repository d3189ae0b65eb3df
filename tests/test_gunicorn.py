"""gunicorn's production settings (``chapter/gunicorn.py``), the ones ``make bench`` measures."""

import http.client
import importlib
import os
import socket
import subprocess
import sys
import time
from collections import Counter
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
    for name in ("WEB_WORKERS", "WEB_THREADS", "WEB_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    importlib.reload(chapter.gunicorn)  # it reads the environment as gunicorn imports it
    return _Settings("python:chapter.gunicorn").cfg


def test_threads_and_a_socket_per_worker_by_default(monkeypatch):
    cfg = _read(monkeypatch)
    assert cfg.worker_class_str == "gthread"
    assert cfg.workers == 2 * os.cpu_count()
    assert cfg.threads == 8
    assert cfg.reuse_port is True
    assert cfg.bind == ["127.0.0.1:8000"]


def test_the_environment_sets_workers_threads_and_address(monkeypatch):
    cfg = _read(monkeypatch, WEB_WORKERS="3", WEB_THREADS="4", WEB_BIND="0.0.0.0:8080")
    assert (cfg.workers, cfg.threads, cfg.bind) == (3, 4, ["0.0.0.0:8080"])


@pytest.mark.parametrize("value", ["0", "many"])
def test_a_worker_count_that_is_not_one_or_more_is_refused(monkeypatch, value):
    with pytest.raises(ImproperlyConfigured, match="WEB_WORKERS"):
        _read(monkeypatch, WEB_WORKERS=value)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_keep_alive_connections_opened_at_once_are_spread_over_the_workers():
    """Forty connections opened together, each asking which worker serves it: on sockets of
    their own the kernel spreads them, so neither of two workers is left with a handful."""
    port = _free_port()
    env = os.environ | {"WEB_BIND": f"127.0.0.1:{port}", "WEB_WORKERS": "2", "WEB_THREADS": "2"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "python:chapter.gunicorn",
         "tests.pid_app:application", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
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
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _ask(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/")
        return connection.getresponse().read().decode()
    finally:
        connection.close()
