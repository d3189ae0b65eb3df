"""Fixtures for the trust tests; registers the ``faults`` marker (``make test-faults``)."""

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "faults: slow tests that break PostgreSQL or Redis on purpose (run by make test-faults)",
    )


def pytest_collection_modifyitems(config, items):
    """Fault tests run only when asked for (``-m faults``); otherwise deselected, not skipped."""
    if "faults" in (config.option.markexpr or ""):
        return
    kept = [item for item in items if not item.get_closest_marker("faults")]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


class _WideBacklogServer(ThreadedWSGIServer):
    """Fifty clients connect in the same instant: listen() must queue them all, as a real
    server (gunicorn: 2048) does, instead of socketserver's default of five."""

    request_queue_size = 128


class _BusyServerThread(LiveServerThread):
    server_class = _WideBacklogServer


@pytest.fixture
def busy_server(transactional_db):
    """A live server (one thread and one database connection per request) for one test."""
    thread = _BusyServerThread("127.0.0.1", StaticFilesHandler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
