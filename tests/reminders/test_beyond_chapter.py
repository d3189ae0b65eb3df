"""Reminders for slips across the chapter line and with people outside Slipstream: a referral
waiting in another chapter reminds its receiver like any other, a 1-2-1 with someone outside
reminds the member alone, and each email names the other party as the slip holds it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar

from referrals.models import OneToOne, Referral
from reminders.models import Kind, ReminderLog
from reminders.services import deliver, due_now, run_sweeps
from tests.factories import ChapterFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def at(year, month, day, hour, minute=0, tz=LONDON):
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


def due(kind, now):
    with time_machine.travel(now, tick=False):
        return due_now(now, kinds=[kind])


@pytest.fixture
def riverside():
    return ChapterFactory(slug="riverside", name="Riverside", time_zone="Europe/London")


@pytest.fixture
def hilltop():
    return ChapterFactory(slug="hilltop", name="Hilltop", time_zone="America/New_York")


@pytest.fixture
def alice(riverside):
    return MemberFactory(
        chapter=riverside,
        user=UserFactory(email="alice@example.test", first_name="Alice", last_name="Ash"),
    )


@pytest.fixture
def pat(hilltop):
    return MemberFactory(
        chapter=hilltop,
        user=UserFactory(email="pat@example.test", first_name="Pat", last_name="Lee"),
    )


def waiting(giver, receiver, *, chapter=None, **outside):
    with time_machine.travel(at(2026, 11, 1, 12), tick=False):
        return Referral.objects.create(
            chapter=chapter or giver.chapter,
            giver=giver,
            receiver=receiver,
            date=dt.date(2026, 11, 1),
            contact_name="Dana Diaz",
            **outside,
        )


def test_a_referral_from_another_chapter_reminds_its_receiver_under_their_chapter(
    alice, pat, hilltop
):
    referral = waiting(alice, pat)  # logged in Riverside, waiting in Hilltop
    [found] = due(Kind.REFERRAL_WAITING, at(2026, 11, 8, 12))
    assert (found.recipient_id, found.member_id) == (pat.user_id, pat.pk)
    assert (found.object_id, found.chapter_id) == (referral.pk, hilltop.pk)


def test_the_email_names_the_giver_with_their_chapter(alice, pat, hilltop):
    referral = waiting(alice, pat)
    log = ReminderLog.objects.create(
        kind=Kind.REFERRAL_WAITING,
        chapter=hilltop,
        object_id=referral.pk,
        recipient=pat.user,
        occurrence="o",
    )
    assert deliver(log_id=log.pk, task_id="t1") == "sent"
    [message] = mail.outbox
    assert message.subject == "[Hilltop] How did it go with Dana Diaz?"
    assert "Alice Ash · Riverside passed you a referral: Dana Diaz" in message.body
    assert "Let Alice know how it is going" in message.body
    link = f"http://localhost:8000/slips/referral/{referral.pk}/"
    assert f"Update this referral: {link}" in message.body


def test_a_referral_from_outside_slipstream_reminds_and_names_the_outsider(alice, riverside):
    referral = waiting(
        None, alice, chapter=riverside, other_name="Ann Lee", other_chapter_name="BNI Givers"
    )
    [found] = due(Kind.REFERRAL_WAITING, at(2026, 11, 8, 12))
    assert (found.recipient_id, found.chapter_id) == (alice.user_id, riverside.pk)
    log = ReminderLog.objects.create(
        kind=found.kind,
        chapter=riverside,
        object_id=referral.pk,
        recipient=alice.user,
        occurrence=found.occurrence,
    )
    assert deliver(log_id=log.pk, task_id="t1") == "sent"
    [message] = mail.outbox
    assert "Ann Lee (BNI Givers) passed you a referral: Dana Diaz" in message.body
    assert "Record how it is going" in message.body
    html = message.alternatives[0].content
    assert "Ann Lee (BNI Givers) passed you a referral" in html


def planned_with_outsider(member, **when):
    return OneToOne.objects.create(
        chapter=member.chapter,
        member_a=member,
        other_name="Visitor Vee",
        other_chapter_name="BNI Givers",
        date=when.get("date", dt.date(2026, 11, 25)),
        time=when.get("time", dt.time(10, 0)),
        place="Café Nero",
        status="planned",
    )


def test_a_one_to_one_with_someone_outside_reminds_the_member_alone(alice, riverside):
    one = planned_with_outsider(alice)
    found = due(Kind.ONE_TO_ONE, at(2026, 11, 24, 10, 0))
    assert [(d.recipient_id, d.object_id, d.chapter_id) for d in found] == [
        (alice.user_id, one.pk, riverside.pk)
    ]


def test_a_one_to_one_across_the_line_reminds_each_member_under_their_chapter(
    alice, pat, riverside, hilltop
):
    low, high = sorted((alice, pat), key=lambda m: m.pk)
    OneToOne.objects.create(
        chapter=riverside,
        member_a=low,
        member_b=high,
        date=dt.date(2026, 11, 25),
        time=dt.time(10, 0),
        status="planned",
    )
    found = due(Kind.ONE_TO_ONE, at(2026, 11, 24, 10, 0))  # Riverside's time: it logged it
    assert {(d.recipient_id, d.chapter_id) for d in found} == {
        (alice.user_id, riverside.pk),
        (pat.user_id, hilltop.pk),
    }


def test_a_member_who_left_is_not_reminded_but_the_other_still_is(alice, pat):
    low, high = sorted((alice, pat), key=lambda m: m.pk)
    OneToOne.objects.create(
        chapter=alice.chapter,
        member_a=low,
        member_b=high,
        date=dt.date(2026, 11, 25),
        time=dt.time(10, 0),
        status="planned",
    )
    pat.status, pat.left_on = "dropped", dt.date(2026, 11, 20)
    pat.save()
    found = due(Kind.ONE_TO_ONE, at(2026, 11, 24, 10, 0))
    assert [d.recipient_id for d in found] == [alice.user_id]


def test_the_one_to_one_email_and_invite_name_the_outsider(alice, riverside):
    one = planned_with_outsider(alice)
    log = ReminderLog.objects.create(
        kind=Kind.ONE_TO_ONE,
        chapter=riverside,
        object_id=one.pk,
        recipient=alice.user,
        occurrence="o",
    )
    assert deliver(log_id=log.pk, task_id="t1") == "sent"
    [message] = mail.outbox
    assert message.subject == "[Riverside] 1-2-1 with Visitor Vee (BNI Givers) tomorrow"
    assert "Your 1-2-1 with Visitor Vee (BNI Givers) is tomorrow" in message.body
    [(_, invite, mimetype)] = message.attachments
    assert mimetype == "text/calendar"
    event = Calendar.from_ical(invite).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "1-2-1: Alice Ash & Visitor Vee (BNI Givers)"


def test_the_one_to_one_email_gives_the_time_on_the_clock_of_the_chapter_that_set_it(
    alice, pat, riverside, hilltop
):
    """Summer in London: 10:00 BST is 09:00 UTC. The email says 10:00, to Pat in New York
    too, with the time zone it is in."""
    low, high = sorted((alice, pat), key=lambda m: m.pk)
    one = OneToOne.objects.create(
        chapter=riverside,
        member_a=low,
        member_b=high,
        date=dt.date(2026, 7, 1),
        time=dt.time(10, 0),
        status="planned",
    )
    log = ReminderLog.objects.create(
        kind=Kind.ONE_TO_ONE,
        chapter=hilltop,
        object_id=one.pk,
        recipient=pat.user,
        occurrence="o",
    )
    assert deliver(log_id=log.pk, task_id="t1") == "sent"
    [message] = mail.outbox
    assert message.subject == "[Hilltop] 1-2-1 with Alice Ash · Riverside tomorrow"
    assert "is tomorrow, Wednesday 1 July, 10:00 (Europe/London)" in message.body


def test_sweeping_twice_records_each_reminder_beyond_the_chapter_once(
    alice, pat, django_capture_on_commit_callbacks
):
    waiting(alice, pat)
    waiting(None, alice, chapter=alice.chapter, other_name="BNI")
    planned_with_outsider(alice, date=dt.date(2026, 11, 9), time=dt.time(9, 0))
    now = at(2026, 11, 8, 12)
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks():
        run_sweeps(now)
        run_sweeps(now)
    kinds = sorted(ReminderLog.objects.values_list("kind", "recipient__email"))
    assert kinds == [
        ("one_to_one", "alice@example.test"),
        ("referral_waiting", "alice@example.test"),
        ("referral_waiting", "pat@example.test"),
    ]
