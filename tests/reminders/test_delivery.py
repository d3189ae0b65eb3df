"""Reminders through the real parts: Redis, a Celery worker process, an SMTP server.

Each email goes out once per key whatever happens: sweeps run twice, tasks enqueued twice,
a worker killed in the middle of a send, a mail server that refuses, the broker down.
"""

import datetime as dt
import time
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from chapter.celery import app as celery_app
from reminders import services
from reminders.models import ReminderLog
from reminders.tasks import send_reminder
from tests.factories import ChapterFactory, MemberFactory, OneToOneFactory, UserFactory
from tests.smtp_sink import SmtpSink
from tests.workers import CeleryWorker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def sink():
    with SmtpSink() as server:
        yield server


@pytest.fixture
def worker(tmp_path, sink, django_db_setup, monkeypatch):
    monkeypatch.setattr(services, "LEASE", dt.timedelta(seconds=3))
    monkeypatch.setattr(services, "REQUEUE_AFTER", dt.timedelta(seconds=3))
    process = CeleryWorker(
        tmp_path, EMAIL_URL=sink.url, REMINDER_LEASE_SECONDS="3", CELERY_VISIBILITY_TIMEOUT="3"
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture
def one_to_one():
    chapter = ChapterFactory(slug="riverside", name="Riverside", time_zone="Europe/London")
    # No renewal due: a sweep at the real time (after a worker is killed) finds the 1-2-1 alone.
    a = MemberFactory(chapter=chapter, user=UserFactory(email="ann@example.test"), renewal_due=None)
    b = MemberFactory(chapter=chapter, user=UserFactory(email="ben@example.test"), renewal_due=None)
    return OneToOneFactory(
        member_a=a, member_b=b, date=dt.date(2026, 12, 3), time=dt.time(8, 30),
        place="Café Nero", status="planned",
    )  # fmt: skip


START = dt.datetime(2026, 12, 3, 8, 30, tzinfo=LONDON)
NOW = START - dt.timedelta(hours=20)


def test_a_planned_one_to_one_sends_one_email_with_an_invite_to_each_member(
    worker, sink, one_to_one
):
    services.run_sweeps(NOW)
    wait_for(lambda: len(sink.messages) == 2, message=worker.log())
    for address in ("ann@example.test", "ben@example.test"):
        [message] = sink.to(address)
        assert message["Subject"].startswith("[Riverside] 1-2-1 with")
        invite = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        event = Calendar.from_ical(invite.get_payload(decode=True)).walk("VEVENT")[0]
        assert event["UID"] == f"one-to-one-{one_to_one.pk}@slipstream"
        start = event.decoded("DTSTART")
        assert start == START
        assert str(start.tzinfo) == "Europe/London"
        text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        assert "/reminders/preferences/" in text.get_payload(decode=True).decode()
    assert ReminderLog.objects.filter(status="sent").count() == 2


def test_sweeping_twice_and_enqueuing_twice_sends_nothing_extra(worker, sink, one_to_one):
    services.run_sweeps(NOW)
    services.run_sweeps(NOW)
    wait_for(lambda: len(sink.messages) == 2, message=worker.log())
    for log in ReminderLog.objects.all():
        send_reminder.delay(log.pk)
        send_reminder.delay(log.pk)
    services.run_sweeps(NOW + dt.timedelta(hours=1))
    wait_for(lambda: worker.log().count("succeeded") >= 6, message=worker.log())
    assert len(sink.messages) == 2


def test_a_worker_killed_during_a_send_neither_duplicates_nor_loses_it(worker, sink, one_to_one):
    sink.stall.set()  # the SMTP server stops answering mid-conversation
    services.run_sweeps(NOW)
    wait_for(sink.in_progress.is_set, message=worker.log())
    worker.stop(kill=True)  # SIGKILL while the email is half-sent
    sink.stall.clear()
    assert sink.messages == []
    worker.start()
    # The abandoned claim's lease (3 s here) runs out; the next sweep enqueues it again. (The
    # unacknowledged task also comes back after the visibility timeout.) Either way: one each.
    time.sleep(3.5)
    services.run_sweeps(dt.datetime.now(dt.UTC))
    wait_for(lambda: len(sink.messages) == 2, timeout=30, message=worker.log())
    wait_for(lambda: ReminderLog.objects.filter(status="sent").count() == 2, timeout=20)
    time.sleep(3.5)
    services.run_sweeps(dt.datetime.now(dt.UTC))
    time.sleep(2)
    assert sorted(m["To"] for m in sink.messages) == ["ann@example.test", "ben@example.test"]


def test_a_refusing_mail_server_is_retried_and_the_reminder_sent_once(worker, sink, one_to_one):
    sink.refuse = True
    services.run_sweeps(NOW)
    wait_for(
        lambda: (
            ReminderLog.objects.filter(status="pending", last_error__contains="451").count() == 2
        ),
        message=worker.log(),
    )
    sink.refuse = False
    services.run_sweeps(NOW + dt.timedelta(minutes=10))  # a later sweep enqueues them again
    wait_for(lambda: ReminderLog.objects.filter(status="sent").count() == 2, message=worker.log())
    assert len(sink.messages) == 2


def test_with_the_broker_down_nothing_is_lost(worker, sink, one_to_one, monkeypatch):
    real_url = celery_app.conf.broker_url

    def point_broker_at(url):
        monkeypatch.setattr(celery_app.conf, "broker_url", url)
        monkeypatch.setattr(celery_app, "_pool", None)
        monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)

    point_broker_at("redis://127.0.0.1:9/0")  # nothing listens there: the broker is down
    services.run_sweeps(NOW)  # records the due reminders; cannot enqueue; does not fail
    assert ReminderLog.objects.filter(status="pending", enqueued_at__isnull=True).count() == 2
    point_broker_at(real_url)
    services.run_sweeps(NOW + dt.timedelta(minutes=10))  # the broker is back
    wait_for(lambda: len(sink.messages) == 2, message=worker.log())


def test_reminders_across_the_chapter_line_go_out_once_each(worker, sink):
    """A referral from Riverside waiting in Hilltop reminds its receiver there; a 1-2-1 with
    someone outside Slipstream reminds the member alone; sweeps and tasks twice, one each."""
    from referrals.models import OneToOne, Referral

    riverside = ChapterFactory(slug="riverside", name="Riverside", time_zone="Europe/London")
    hilltop = ChapterFactory(slug="hilltop", name="Hilltop", time_zone="America/New_York")
    ann = MemberFactory(
        chapter=riverside, user=UserFactory(email="ann@example.test"), renewal_due=None
    )
    pat = MemberFactory(
        chapter=hilltop, user=UserFactory(email="pat@example.test"), renewal_due=None
    )
    referral = Referral.objects.create(
        chapter=riverside,
        giver=ann,
        receiver=pat,
        date=dt.date(2026, 11, 25),
        contact_name="Dana Diaz",
    )
    Referral.objects.filter(pk=referral.pk).update(created_at=NOW - dt.timedelta(days=8))
    OneToOne.objects.create(
        chapter=riverside,
        member_a=ann,
        other_name="Visitor Vee",
        date=START.date(),
        time=START.time(),
        status="planned",
    )
    services.run_sweeps(NOW)
    services.run_sweeps(NOW)
    wait_for(lambda: len(sink.messages) == 2, message=worker.log())
    for log in ReminderLog.objects.all():
        send_reminder.delay(log.pk)
    wait_for(lambda: worker.log().count("succeeded") >= 4, message=worker.log())
    [to_pat] = sink.to("pat@example.test")
    assert to_pat["Subject"] == "[Hilltop] How did it go with Dana Diaz?"
    [to_ann] = sink.to("ann@example.test")
    assert to_ann["Subject"] == "[Riverside] 1-2-1 with Visitor Vee tomorrow"
    invite = next(p for p in to_ann.walk() if p.get_content_type() == "text/calendar")
    event = Calendar.from_ical(invite.get_payload(decode=True)).walk("VEVENT")[0]
    assert "Visitor Vee" in str(event["SUMMARY"])
    assert len(sink.messages) == 2
    assert ReminderLog.objects.filter(status="sent").count() == 2


def test_everything_due_to_a_member_goes_out_as_one_email(worker, sink, one_to_one):
    """Ann has the 1-2-1 and three referrals waiting: one email, whose rows are all sent;
    Ben has the 1-2-1 alone. A second sweep sends nothing."""
    from referrals.models import Referral

    ann, ben = one_to_one.member_a, one_to_one.member_b
    waiting = [
        Referral.objects.create(
            chapter=ann.chapter, giver=ben, receiver=ann, date=NOW.date(), contact_name=name
        )
        for name in ("Dana Diaz", "Eve Evans", "Finn Ford")
    ]
    Referral.objects.filter(pk__in=[r.pk for r in waiting]).update(
        created_at=NOW - dt.timedelta(days=8)
    )
    services.run_sweeps(NOW)
    wait_for(lambda: len(sink.messages) == 2, message=worker.log())
    [to_ann] = sink.to("ann@example.test")
    subject = str(make_header(decode_header(to_ann["Subject"])))
    assert subject == "[Riverside] A 1-2-1 tomorrow · 3 referrals waiting for your update"
    text = next(p for p in to_ann.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    assert all(name in body for name in ("Dana Diaz", "Eve Evans", "Finn Ford"))
    assert ReminderLog.objects.filter(recipient=ann.user, status="sent").count() == 4
    services.run_sweeps(NOW + dt.timedelta(minutes=10))
    time.sleep(2)
    assert len(sink.messages) == 2
