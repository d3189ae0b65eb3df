import os

import pytest

from tests.services import CHROMIUM, in_ci, require_chromium, require_postgres, require_redis


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("services"):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(autouse=True)
def _require_marked_services(request):
    """Marked tests check their services first: fail under CI=true, skip (saying why) elsewhere."""
    if request.node.get_closest_marker("postgres"):
        require_postgres()
    if request.node.get_closest_marker("services"):
        require_redis()
    if request.node.get_closest_marker("browser"):
        require_chromium()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """A run that executed no test is not a green run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or exitstatus != 0:
        return
    if not reporter.stats.get("passed"):
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED
    elif in_ci() and reporter.stats.get("skipped"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- A real Celery worker --------------------------------------------------------------------


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """One worker process for the session, on the test database and a private Redis queue."""
    from tests.workers import CeleryWorker

    with django_db_blocker.unblock():
        require_postgres()
        require_redis()
        worker = CeleryWorker(tmp_path_factory.mktemp("celery"))
        worker.start()
    yield worker
    worker.stop()


# --- A real browser ----------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser, live_server):
    """A fresh browser context the size of a phone (390×844), pointed at the live server."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
