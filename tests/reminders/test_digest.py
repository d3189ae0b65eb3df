"""One email per member per sweep, listing everything due to them; one ledger row per event.

The sweep's tasks run through Celery's own code, in this process (``task_always_eager``), so
``mail.outbox`` holds what a worker would have sent.
"""

import datetime as dt
import io
from collections import Counter
from smtplib import SMTPException

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from chapter.celery import app as celery_app
from referrals.models import Referral
from reminders.messages import section_title
from reminders.models import Kind, ReminderLog
from reminders.services import deliver_digest, due_now, run_sweeps
from tests.factories import MemberFactory, OneToOneFactory, ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    conf = celery_app.conf
    before = {"task_always_eager": conf.task_always_eager,
              "task_eager_propagates": conf.task_eager_propagates}  # fmt: skip
    conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    conf.update(before)


def sweep(now, capture):
    with time_machine.travel(now, tick=False), capture(execute=True):
        run_sweeps(now)


def emails_per_recipient() -> Counter:
    return Counter(address for message in mail.outbox for address in message.to)


def test_the_first_sweep_after_the_demo_history_sends_each_member_one_email(
    eager, django_capture_on_commit_callbacks
):
    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.now()
    due = due_now(now)
    events = {(d.kind, d.object_id, d.recipient_id, d.occurrence) for d in due}
    per_member = Counter(d.recipient_id for d in due)
    assert max(per_member.values()) > 1, "the demo should owe someone several reminders"

    sweep(now, django_capture_on_commit_callbacks)

    assert mail.outbox, "the demo's history owes reminders"
    counts = emails_per_recipient()
    assert max(counts.values()) == 1, counts.most_common(3)
    rows = set(ReminderLog.objects.values_list("kind", "object_id", "recipient_id", "occurrence"))
    assert rows == events  # one row per event, none lost, none twice
    assert not ReminderLog.objects.filter(status__in=["pending", "sending"]).exists()
    busiest = max(per_member, key=per_member.get)
    email = ReminderLog.objects.filter(recipient_id=busiest).values_list(
        "recipient__email", flat=True
    )[0]
    [message] = [m for m in mail.outbox if m.to == [email]]
    sent = Counter(
        ReminderLog.objects.filter(recipient_id=busiest, status="sent").values_list(
            "kind", flat=True
        )
    )
    assert sent.total() > 1
    for kind, count in sent.items():  # each kind's section counts all of its reminders
        assert section_title(kind, count) in message.body

    mail.outbox.clear()
    sweep(now + dt.timedelta(minutes=10), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert ReminderLog.objects.count() == len(events)


@pytest.fixture
def busy_member(member, other_member):
    """Alice is owed two referral updates and has a 1-2-1 within the day; nothing else."""
    now = timezone.now()
    member.renewal_due = member.chapter.today() + dt.timedelta(days=200)
    member.save(update_fields=["renewal_due"])
    referrals = [
        ReferralFactory(giver=other_member, receiver=member, contact_name=name)
        for name in ("Dana Diaz", "Eve Evans")
    ]
    Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(
        created_at=now - dt.timedelta(days=9)
    )
    tomorrow = timezone.localtime(now, member.chapter.tz) + dt.timedelta(hours=20)
    one = OneToOneFactory(
        member_a=member, member_b=other_member, status="planned",
        date=tomorrow.date(), time=tomorrow.time().replace(second=0, microsecond=0),
        place="Café Nero",
    )  # fmt: skip
    return member, referrals, one


def test_a_digest_lists_every_item_with_its_link_and_attaches_each_invite(
    eager, busy_member, django_capture_on_commit_callbacks
):
    member, referrals, one = busy_member
    sweep(timezone.now(), django_capture_on_commit_callbacks)

    [message] = [m for m in mail.outbox if m.to == [member.user.email]]
    assert message.subject == (
        f"[{member.chapter.name}] A 1-2-1 tomorrow · 2 referrals waiting for your update"
    )
    assert ReminderLog.objects.filter(recipient=member.user, status="sent").count() == 3
    text = message.body
    assert text.startswith(f"Hello {member.user.first_name},")
    assert text.index("A 1-2-1 tomorrow") < text.index("2 referrals waiting for your update")
    for referral in referrals:
        assert f"passed you a referral: {referral.contact_name}." in text
        link = reverse("referrals:detail", args=[referral.pk])
        assert f"Update this referral: http://localhost:8000{link}" in text
    assert "Where: Café Nero." in text
    assert "Choose which reminders you get: http://localhost:8000/reminders/preferences/" in text
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert html.count("Update this referral</a>") == 2
    [(filename, invite, kind)] = message.attachments
    assert (filename, kind) == (f"one-to-one-{one.pk}.ics", "text/calendar")
    assert f"one-to-one-{one.pk}@slipstream" in invite


def test_a_single_reminder_keeps_its_own_subject(member, other_member):
    referral = ReferralFactory(giver=other_member, receiver=member, contact_name="Dana Diaz")
    ReminderLog.objects.create(
        kind=Kind.REFERRAL_WAITING, chapter=member.chapter, object_id=referral.pk,
        recipient=member.user, occurrence="o",
    )  # fmt: skip
    assert deliver_digest(recipient_id=member.user_id, task_id="t1") == "sent"
    [message] = mail.outbox
    assert message.subject == f"[{member.chapter.name}] How did it go with Dana Diaz?"


def test_a_failed_send_releases_every_row_and_the_retry_sends_them_together(
    busy_member, monkeypatch
):
    member, _, _ = busy_member
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        for d in due_now(now):
            ReminderLog.objects.create(
                kind=d.kind, chapter_id=d.chapter_id, object_id=d.object_id,
                recipient_id=d.recipient_id, occurrence=d.occurrence,
            )  # fmt: skip
    mine = ReminderLog.objects.filter(recipient=member.user)
    assert mine.count() == 3
    real_send = EmailMultiAlternatives.send

    def refuse(self, *args, **kwargs):
        raise SMTPException("451 try again later")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    with pytest.raises(SMTPException):
        deliver_digest(recipient_id=member.user_id, task_id="t1")
    assert set(mine.values_list("status", "claimed_by", "last_error")) == {
        ("pending", "", "451 try again later")
    }
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert deliver_digest(recipient_id=member.user_id, task_id="t1") == "sent"  # the retry
    assert len(mail.outbox) == 1
    assert set(mine.values_list("status", "attempts")) == {("sent", 2)}
    assert deliver_digest(recipient_id=member.user_id, task_id="t2") == "already claimed or sent"
    assert len(mail.outbox) == 1


def test_a_row_with_nothing_left_to_say_is_skipped_and_the_rest_sent(busy_member):
    member, referrals, one = busy_member
    for kind, object_id in [
        (Kind.ONE_TO_ONE, one.pk),
        *[(Kind.REFERRAL_WAITING, r.pk) for r in referrals],
    ]:
        ReminderLog.objects.create(
            kind=kind, chapter=member.chapter, object_id=object_id, recipient=member.user,
            occurrence="o",
        )  # fmt: skip
    one.status = "cancelled"
    one.save()
    assert deliver_digest(recipient_id=member.user_id, task_id="t1") == "sent"
    [message] = mail.outbox
    assert "1-2-1" not in message.subject and message.attachments == []
    statuses = dict(ReminderLog.objects.values_list("kind", "status").distinct())
    assert statuses == {"one_to_one": "skipped", "referral_waiting": "sent"}


def test_a_member_with_two_chapters_worth_is_still_sent_one_email(member, other_member):
    """Rows filed under two chapters (a 1-2-1 across the line is filed under each member's
    own) still make one email, named for Slipstream rather than either chapter."""
    elsewhere = MemberFactory()
    referral = ReferralFactory(giver=other_member, receiver=member)
    for chapter in (member.chapter, elsewhere.chapter):
        ReminderLog.objects.create(
            kind=Kind.REFERRAL_WAITING, chapter=chapter, object_id=referral.pk,
            recipient=member.user, occurrence=f"o-{chapter.pk}",
        )  # fmt: skip
    assert deliver_digest(recipient_id=member.user_id, task_id="t1") == "sent"
    [message] = mail.outbox
    assert message.subject == "[Slipstream] 2 referrals waiting for your update"


@override_settings(SITE_URL="http://127.0.0.1:8123")
def test_links_are_built_from_site_url(member, other_member):
    referral = ReferralFactory(giver=other_member, receiver=member)
    ReminderLog.objects.create(
        kind=Kind.REFERRAL_WAITING, chapter=member.chapter, object_id=referral.pk,
        recipient=member.user, occurrence="o",
    )  # fmt: skip
    deliver_digest(recipient_id=member.user_id, task_id="t1")
    [message] = mail.outbox
    assert "http://127.0.0.1:8123/reminders/preferences/" in message.body
    assert "localhost:8000" not in message.body + message.alternatives[0].content
