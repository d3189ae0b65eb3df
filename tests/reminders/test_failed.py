"""A reminder that can never be sent ends ``failed`` with its reason, instead of coming back
at every sweep; and ``send_due_reminders`` says what it enqueued and what it left."""

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test.utils import override_settings
from django.urls import reverse

from chapter.env import mailer_from_url
from reminders import services
from reminders.models import Kind, ReminderLog
from reminders.services import MAX_ATTEMPTS, deliver, deliver_digest, run_sweeps
from tests.factories import MeetingFactory, MemberFactory, ReferralFactory
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db


def _log(kind, chapter, object_id, user, occurrence="o"):
    return ReminderLog.objects.create(
        kind=kind, chapter=chapter, object_id=object_id, recipient=user, occurrence=occurrence
    )


def _injected(member, other_member):
    """A referral stored before forms refused line breaks: its contact's name would start a
    new header in the subject ("How did it go with …?")."""
    referral = ReferralFactory(
        giver=other_member, receiver=member, contact_name="Dana\r\nBcc: everyone@example.test"
    )
    return _log(Kind.REFERRAL_WAITING, member.chapter, referral.pk, member.user)


def test_a_header_injection_already_stored_fails_at_once_with_its_reason(member, other_member):
    log = _injected(member, other_member)
    assert deliver(log_id=log.pk, task_id="t1") == "failed"
    log.refresh_from_db()
    assert log.status == "failed"
    assert log.last_error.startswith("cannot be sent: ")
    assert "linefeed or carriage return" in log.last_error
    assert mail.outbox == []
    # Never claimed again, never enqueued again.
    assert deliver(log_id=log.pk, task_id="t2") == "already claimed or sent"
    # The next sweep enqueues what it records, never the failed row.
    assert run_sweeps().ready == ReminderLog.objects.exclude(pk=log.pk).count()
    log.refresh_from_db()
    assert log.status == "failed"


def test_the_row_at_fault_fails_alone_and_the_others_go_out_next(member, other_member, monkeypatch):
    """A digest of several rows that makes no email (its subject naming each row here) is
    taken apart: the row at fault fails, the others wait for the next sweep."""
    monkeypatch.setattr(
        "reminders.messages.digest_subject",
        lambda items, groups: " · ".join(item.context["subject"] for item in items),
    )
    bad = _injected(member, other_member)
    presenter = MemberFactory(chapter=member.chapter)
    meeting = MeetingFactory(chapter=member.chapter, presenter=presenter)
    good = _log(Kind.MEETING_EVE, member.chapter, meeting.pk, member.user)
    assert deliver_digest(recipient_id=member.user_id, task_id="t1") == "failed"
    bad.refresh_from_db(), good.refresh_from_db()
    assert bad.status == "failed" and "linefeed" in bad.last_error
    assert (good.status, good.enqueued_at) == ("pending", None)  # for the next sweep
    assert deliver_digest(recipient_id=member.user_id, task_id="t2") == "sent"
    good.refresh_from_db()
    assert good.status == "sent"
    [message] = mail.outbox
    assert "Meeting tomorrow" in message.subject


def test_an_address_that_is_not_one_fails_every_row_to_it(member):
    member.user.email = "alice at example dot test"
    member.user.save(update_fields=["email"])
    meeting = MeetingFactory(chapter=member.chapter)
    log = _log(Kind.MEETING_EVE, member.chapter, meeting.pk, member.user)
    with SmtpSink() as sink, override_settings(MAILERS={"default": mailer_from_url(sink.url)}):
        assert deliver(log_id=log.pk, task_id="t1") == "failed"
    log.refresh_from_db()
    assert log.status == "failed"
    assert "Invalid address 'alice at example dot test'" in log.last_error
    assert sink.messages == []


def test_a_refusing_server_is_retried_then_the_row_fails_with_the_last_error(member):
    meeting = MeetingFactory(chapter=member.chapter)
    log = _log(Kind.MEETING_EVE, member.chapter, meeting.pk, member.user)
    with SmtpSink() as sink, override_settings(MAILERS={"default": mailer_from_url(sink.url)}):
        sink.refuse = True
        for attempt in range(1, MAX_ATTEMPTS):
            with pytest.raises(Exception, match="451"):  # the task's autoretry takes it
                deliver(log_id=log.pk, task_id=f"t{attempt}")
            log.refresh_from_db()
            assert (log.status, log.attempts) == ("pending", attempt)
        assert deliver(log_id=log.pk, task_id="last") == "failed"  # no retry after this one
    log.refresh_from_db()
    assert (log.status, log.attempts) == ("failed", MAX_ATTEMPTS)
    assert log.last_error.startswith(f"gave up after {MAX_ATTEMPTS} attempts: ")
    assert "451" in log.last_error


def test_a_claim_abandoned_after_its_last_attempt_is_failed_by_the_sweep(member):
    meeting = MeetingFactory(chapter=member.chapter)
    log = _log(Kind.MEETING_EVE, member.chapter, meeting.pk, member.user)
    long_ago = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ReminderLog.objects.filter(pk=log.pk).update(
        status="sending", claimed_by="dead", claimed_at=long_ago, attempts=MAX_ATTEMPTS
    )
    run_sweeps(dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    log.refresh_from_db()
    assert log.status == "failed"
    assert log.last_error == f"gave up: none of {MAX_ATTEMPTS} attempts finished"


def test_the_ledger_in_the_admin_shows_failed_rows_and_why(login, staff, member, other_member):
    log = _injected(member, other_member)
    deliver(log_id=log.pk, task_id="t1")
    response = login(staff).get(
        reverse("admin:reminders_reminderlog_changelist"), {"status": "failed"}
    )
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert "Failed" in response.text and "cannot be sent" in response.text


# --- send_due_reminders says what happened ------------------------------------------------------


@pytest.fixture
def two_due(chapter):
    """Two members, a meeting tomorrow: two meeting-eve reminders due at 18:00 the day before."""
    MemberFactory(chapter=chapter)
    MemberFactory(chapter=chapter)
    MeetingFactory(chapter=chapter, date=dt.date(2026, 11, 24))
    return dt.datetime(2026, 11, 23, 18, 0, tzinfo=chapter.tz)


def sweep_command(now) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with time_machine.travel(now, tick=False):
        call_command("send_due_reminders", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_command_says_none_were_enqueued_and_how_many_wait(
    two_due, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:9. Connection refused.")

    monkeypatch.setattr("reminders.tasks.send_digest.delay", broker_down)
    out, err = sweep_command(two_due)
    assert out == "0 reminders enqueued.\n"
    assert err == "2 reminders left pending for the next sweep: the broker did not take them.\n"
    assert ReminderLog.objects.filter(status="pending", enqueued_at__isnull=True).count() == 2


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_up_the_command_counts_what_it_enqueued(two_due, monkeypatch):
    sent = []
    monkeypatch.setattr("reminders.tasks.send_digest.delay", sent.append)
    out, err = sweep_command(two_due)
    assert (out, err) == ("2 reminders enqueued.\n", "")
    assert len(sent) == 2
    assert services.run_sweeps(two_due).ready == 0  # nothing due again until requeue time
