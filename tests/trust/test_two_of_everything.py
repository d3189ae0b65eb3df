"""Two of everything on one PostgreSQL and one Redis: two web servers, two Celery workers and
two beats, as a deployment that runs a spare of each (docs/operating.md).

A session started on one server works on the other; a slip sent to both (a double submit
across servers) is stored once; and with both beats sweeping every second, each reminder due
is sent once: the ledger (reminders/services.py), not a single beat, is what keeps it so.
Every part is a real process on the test database and a Redis of the test's own; emails go to
a real SMTP server that counts what it receives.
"""

import contextlib
import datetime as dt
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from referrals.models import Referral
from reminders.models import ReminderLog
from tests import workers
from tests.factories import PASSWORD, MemberFactory, OneToOneFactory
from tests.smtp_sink import SmtpSink
from tests.trust.faults import Browser, CeleryProcess, RedisServer, WebServer, process_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAIRS = 4  # planned 1-2-1s, each reminding both its members
SWEEPS_AFTER_SENDING = 4.0  # seconds both beats keep sweeping once everything is sent


@pytest.fixture
def one_to_ones_today(chapter):
    """1-2-1s starting in six hours: due now, each reminding both members once."""
    start = (timezone.now() + dt.timedelta(hours=6)).astimezone(ZoneInfo(chapter.time_zone))
    members = [MemberFactory(chapter=chapter) for _ in range(2 * PAIRS)]
    at = start.time().replace(second=0, microsecond=0)
    for a, b in zip(members[::2], members[1::2], strict=True):
        OneToOneFactory(member_a=a, member_b=b, date=start.date(), time=at, status="planned")
    return members


@contextlib.contextmanager
def two_of_everything(tmp_path, email_url: str):
    with RedisServer() as redis, contextlib.ExitStack() as stack:

        def env(name: str, **extra: str) -> dict[str, str]:
            var_dir = tmp_path / name
            var_dir.mkdir()
            return process_env(
                database_url=workers.test_database_url(), redis_url=redis.url,
                secret_key=settings.SECRET_KEY, var_dir=var_dir, EMAIL_URL=email_url,
                CELERY_QUEUE="two-of-everything", **extra,
            )  # fmt: skip

        celery = [CeleryProcess("worker", f"worker{i}", env(f"worker{i}")) for i in (1, 2)]
        celery += [CeleryProcess("beat", f"beat{i}", env(f"beat{i}", TEST_SWEEP_SECONDS="1"))
                   for i in (1, 2)]  # fmt: skip
        for process in celery:
            stack.callback(process.stop)
            process.start()
        web = [stack.enter_context(WebServer(env(f"web{i}"))) for i in (1, 2)]
        for process in celery:
            process.wait_ready()
        yield web, celery


def test_two_servers_two_workers_and_two_beats_do_everything_once(
    tmp_path, member, other_member, one_to_ones_today
):
    with SmtpSink() as sink, two_of_everything(tmp_path, sink.url) as (web, celery):
        one, two = web
        # A session started on one server works on the other.
        browser = Browser(one.url)
        signed_in = browser.post(
            reverse("account_login"), {"login": member.user.email, "password": PASSWORD}
        )
        assert signed_in.status == 302
        elsewhere = browser.at(two.url)
        assert elsewhere.get(reverse("floor")).body == f"ok {member.user.pk}\n"

        # Slips sent to one server and then again to the other are stored once each.
        log_slip = reverse("referrals:log_slip") + "?kind=referral"
        today = member.chapter.today().isoformat()
        for i in range(10):
            slip = {"token": f"both-{i}", "receiver": other_member.pk, "date": today,
                    "kind": "inside", "contact_name": f"Contact {i}", "temperature": 1}  # fmt: skip
            first, again = (browser, elsewhere) if i % 2 else (elsewhere, browser)
            assert first.post(log_slip, slip).status == 302
            assert again.post(log_slip, slip).status == 302

        # Every reminder due is sent once, with both beats sweeping all the while.
        due = {m.user.email for m in one_to_ones_today}
        deadline = time.monotonic() + 60
        while (
            not due <= {m["To"] for m in sink.messages}
            or ReminderLog.objects.exclude(status=ReminderLog.Status.SENT).exists()
        ):
            assert time.monotonic() < deadline, [p.log()[-2000:] for p in celery]
            time.sleep(0.5)
        time.sleep(SWEEPS_AFTER_SENDING)
        logs = {p.name: p.log() for p in celery}

    stored = Counter(Referral.objects.values_list("token", flat=True))
    assert stored == Counter(f"both-{i}" for i in range(10))

    # Each send claims its ledger rows (one, or a recipient's several in one email) and is
    # sent once: as many emails to each person as claims on their rows, and none twice.
    rows = ReminderLog.objects.values_list("recipient__email", "status", "claimed_by")
    assert {status for _, status, _ in rows} == {ReminderLog.Status.SENT}
    claims = Counter(email for email, _ in {(email, claim) for email, _, claim in rows})
    assert Counter(m["To"] for m in sink.messages) == claims
    assert len({(m["To"], m["Subject"]) for m in sink.messages}) == len(sink.messages)
    assert due <= set(claims)
    # Both beats fired, several times each, and both workers swept and sent.
    for beat in ("beat1", "beat2"):
        assert logs[beat].count("Sending due task sweep-reminders") >= 3, logs[beat]
    for worker in ("worker1", "worker2"):
        assert "reminders.tasks.sweep_reminders" in logs[worker], logs[worker][-2000:]
    assert any("reminders.tasks.send_" in logs[w] for w in ("worker1", "worker2"))
