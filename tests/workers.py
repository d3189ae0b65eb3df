"""A real Celery worker process for tests: same code, the test database, a private queue."""

import os
import subprocess
import sys
import time
from pathlib import Path
from uuid import uuid4

from django.db import connection

from chapter.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """The URL of the database pytest-django created, for processes the test starts."""
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


class CeleryWorker:
    """Starts ``celery worker`` as a child process listening on a queue of its own.

    Emails the worker sends are written as files into ``mail_dir`` so a test can count them.
    """

    def __init__(self, tmp_dir: Path, **extra_env: str):
        self.extra_env = extra_env
        self.queue = f"test-{uuid4().hex[:10]}"
        self.mail_dir = tmp_dir / "mail"
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = tmp_dir / f"{self.queue}.log"
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        return (
            os.environ
            | {
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "DATABASE_URL": test_database_url(),
                "CELERY_QUEUE": self.queue,
                "EMAIL_URL": f"file://{self.mail_dir}",
                "CONN_MAX_AGE": "0",
            }
            | self.extra_env
        )

    def start(self, timeout: float = 30) -> None:
        celery_app.conf.task_default_queue = self.queue
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "chapter", "worker", "--pool=solo",
             "--loglevel=INFO", "-Q", self.queue, "-n", f"{self.queue}@%h",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early:\n{self.log()}")
            if "ready." in self.log():
                return
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker not ready in {timeout}s:\n{self.log()}")

    def stop(self, *, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def emails(self) -> list[str]:
        return [p.read_text() for p in sorted(self.mail_dir.glob("*.log"))]


def wait_for(predicate, *, timeout: float = 20, interval: float = 0.2, message: str = ""):
    """Poll ``predicate`` until it returns something truthy; fail with ``message`` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(message or f"condition not met within {timeout}s")
