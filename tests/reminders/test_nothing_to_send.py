"""Faults in the data, not the machines: no crash, no duplicate, the reason recorded."""

import pytest
from django.core import mail

from reminders.models import Kind, ReminderLog
from reminders.services import deliver
from tests.factories import MeetingFactory, MemberFactory, OneToOneFactory

pytestmark = pytest.mark.django_db


def _log(kind, chapter, object_id, user):
    return ReminderLog.objects.create(
        kind=kind, chapter=chapter, object_id=object_id, recipient=user, occurrence="o"
    )


def test_a_deleted_one_to_one_sends_nothing_and_is_marked_skipped(member, other_member):
    one = OneToOneFactory(member_a=member, member_b=other_member, status="planned")
    log = _log(Kind.ONE_TO_ONE, member.chapter, one.pk, member.user)
    one.delete()
    assert deliver(log_id=log.pk, task_id="t1") == "skipped"
    log.refresh_from_db()
    assert (log.status, log.last_error) == ("skipped", "nothing to send")
    assert mail.outbox == []
    assert deliver(log_id=log.pk, task_id="t2") == "already claimed or sent"


def test_a_cancelled_meeting_sends_no_meeting_eve(member):
    meeting = MeetingFactory(chapter=member.chapter, cancelled=True, cancel_reason="Holiday")
    log = _log(Kind.MEETING_EVE, member.chapter, meeting.pk, member.user)
    assert deliver(log_id=log.pk, task_id="t1") == "skipped"
    assert mail.outbox == []


def test_a_member_without_an_email_address_is_skipped(member):
    member.user.email = ""
    member.user.save(update_fields=["email"])
    meeting = MeetingFactory(chapter=member.chapter)
    log = _log(Kind.MEETING_EVE, member.chapter, meeting.pk, member.user)
    assert deliver(log_id=log.pk, task_id="t1") == "skipped"
    assert mail.outbox == []


def test_a_meeting_eve_email_names_the_chapter_and_links_back(member):
    presenter = MemberFactory(chapter=member.chapter)
    meeting = MeetingFactory(chapter=member.chapter, presenter=presenter)
    log = _log(Kind.MEETING_EVE, member.chapter, meeting.pk, member.user)
    assert deliver(log_id=log.pk, task_id="t1") == "sent"
    [message] = mail.outbox
    assert message.subject.startswith(f"[{member.chapter.name}] Meeting tomorrow")
    assert presenter.full_name in message.body
    assert "/slips/log/" in message.body and "/reminders/preferences/" in message.body
    html = message.alternatives[0].content
    assert "<a href=" in html
