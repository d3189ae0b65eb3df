import os
from contextlib import contextmanager

import pytest

from tests.services import CHROMIUM, in_ci, require_chromium, require_postgres, require_redis


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("services"):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and double-submit tokens live in the cache: no test inherits any."""
    from django.core.cache import cache

    from members.shell import forget as forget_shells
    from pages.kept import forget_recent

    cache.clear()
    forget_recent()
    forget_shells()


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


@contextmanager
def built_once(django_db_blocker, build, *args):
    """Rows a module's tests share, built once by ``build(*args)``: each test's own
    transaction is a savepoint inside this one, so what a test writes is undone and the
    shared rows stay until the module ends. For tests that read the rows, or write and let
    the savepoint undo it."""
    from django.db import connection, transaction

    with django_db_blocker.unblock(), transaction.atomic():
        rows = build(*args)
        # The deferred foreign-key checks of the shared rows run once here, not again at
        # the end of every test (Django's TestCase checks what is pending).
        connection.check_constraints()
        yield rows
        transaction.set_rollback(True)


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


# --- Personas ----------------------------------------------------------------------------------
# alice-style personas (after healthchecks): each test reads as a sentence about who does what.


def riverside():
    from tests.factories import ChapterFactory

    return ChapterFactory(name="Riverside", slug="riverside")


def hilltop():
    from tests.factories import ChapterFactory

    return ChapterFactory(name="Hilltop", slug="hilltop")


def _member(chapter, email, first, roles=(), **kwargs):
    from tests.factories import MemberFactory, RoleFactory, UserFactory

    member = MemberFactory(
        chapter=chapter, user=UserFactory(email=email, first_name=first), **kwargs
    )
    for role in roles:
        RoleFactory(member=member, name=role)
    return member


#: Who each persona fixture of the same name is: email, first name, roles.
PEOPLE = {
    "member": ("alice@example.test", "Alice", ()),
    "other_member": ("bob@example.test", "Bob", ()),
    "vice_president": ("victor@example.test", "Victor", ("vice_president",)),
    "president": ("priya@example.test", "Priya", ("president",)),
    "membership_committee": ("mona@example.test", "Mona", ("membership_committee",)),
    "secretary": ("sam@example.test", "Sam", ("secretary_treasurer",)),
    "outsider": ("charlie@example.test", "Charlie", ()),  # in another chapter: sees nothing
}


def persona(name: str, chapter):
    email, first, roles = PEOPLE[name]
    return _member(chapter, email, first, roles=roles)


def staff_user():
    from tests.factories import UserFactory

    return UserFactory(
        email="staff@example.test", first_name="Stella", is_staff=True, is_superuser=True
    )


@pytest.fixture
def chapter(db):
    return riverside()


@pytest.fixture
def other_chapter(db):
    return hilltop()


@pytest.fixture
def member(chapter):
    return persona("member", chapter)


@pytest.fixture
def other_member(chapter):
    return persona("other_member", chapter)


@pytest.fixture
def vice_president(chapter):
    return persona("vice_president", chapter)


@pytest.fixture
def president(chapter):
    return persona("president", chapter)


@pytest.fixture
def membership_committee(chapter):
    return persona("membership_committee", chapter)


@pytest.fixture
def secretary(chapter):
    return persona("secretary", chapter)


@pytest.fixture
def outsider(other_chapter):
    """A member of another chapter: sees nothing of ours."""
    return persona("outsider", other_chapter)


@pytest.fixture
def staff(db):
    return staff_user()


@pytest.fixture
def login(client):
    """``login(member_or_user)`` logs the test client in as that person and returns it."""

    def _login(who):
        client.force_login(getattr(who, "user", who))
        return client

    return _login
