"""A member chooses their reminders; leadership sees what was sent to the chapter."""

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders.models import Kind, ReminderLog, ReminderOptOut

pytestmark = pytest.mark.django_db


def test_a_member_switches_a_reminder_off_and_on(login, member):
    client = login(member)
    page = client.get(reverse("reminders:preferences"))
    assert "Meeting tomorrow" in page.text
    assert "over the attendance limit" not in page.text.split("<form")[1].split("</form>")[0]
    kept = [k for k in ("one_to_one", "missed_meeting", "policy", "referral_waiting", "renewal")]
    response = client.post(reverse("reminders:preferences"), {"enabled": kept})
    assert response.status_code == 302
    assert list(ReminderOptOut.objects.filter(member=member).values_list("kind", flat=True)) == [
        "meeting_eve"
    ]
    client.post(reverse("reminders:preferences"), {"enabled": [*kept, "meeting_eve"]})
    assert not ReminderOptOut.objects.filter(member=member).exists()


def test_the_committee_notice_cannot_be_switched_off(login, member):
    response = login(member).post(reverse("reminders:preferences"), {"enabled": ["policy_over"]})
    assert response.status_code == 200
    assert not ReminderOptOut.objects.filter(kind="policy_over").exists()


def test_leadership_sees_the_chapters_sent_reminders_only(login, president, member, outsider):
    def log(who, kind):
        return ReminderLog.objects.create(
            kind=kind, chapter=who.chapter, object_id=who.pk, recipient=who.user,
            occurrence="x", status="sent", sent_at=timezone.now(),
        )  # fmt: skip

    log(member, Kind.MEETING_EVE)
    log(outsider, Kind.RENEWAL)
    page = login(president).get(reverse("reminders:sent"))
    assert member.user.get_full_name() in page.text
    assert outsider.user.get_full_name() not in page.text
    assert login(member).get(reverse("reminders:sent")).status_code == 403
