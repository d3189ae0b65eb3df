"""Fifty writers at once against the live server: every accepted write is stored exactly
once, no update is lost, and nobody sees a 500."""

import datetime as dt
import itertools
from collections import Counter

import pytest
from django.urls import reverse

from meetings.models import Attendance, AttendanceChange
from referrals.models import Referral, ReferralStatusChange
from referrals.services import week_submit
from tests.factories import AttendanceFactory, MeetingFactory, MemberFactory, ReferralFactory
from tests.trust.http import Reply, Session, all_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS = 50


def assert_no_errors(replies: list) -> None:
    failures = [r for r in replies if not isinstance(r, Reply) or r.status >= 500]
    assert not failures, failures[:3]


def test_fifty_members_logging_referrals_at_once_store_each_exactly_once(
    busy_server, chapter, member
):
    givers = [MemberFactory(chapter=chapter) for _ in range(10)]
    sessions = [Session(busy_server, g.user) for g in givers]
    url = reverse("referrals:log_slip") + "?kind=referral"
    day = chapter.today().isoformat()

    def post(i: int, token: str):
        return sessions[i % 10].post(url, {
            "token": token, "receiver": member.pk, "date": day, "kind": "outside",
            "contact_name": f"Contact {i}", "temperature": 3,
        })  # fmt: skip

    # 40 distinct slips, and 10 of them double-submitted (same giver, same form token).
    calls = [lambda i=i: post(i, f"token-{i}") for i in range(40)]
    calls += [lambda i=i: post(i, f"token-{i}") for i in range(10)]
    replies = all_at_once(calls)
    assert_no_errors(replies)
    assert all(r.status == 302 for r in replies), Counter(r.status for r in replies)
    stored = Counter(Referral.objects.values_list("contact_name", flat=True))
    assert stored == Counter({f"Contact {i}": 1 for i in range(40)})
    givers_by_contact = dict(Referral.objects.values_list("contact_name", "giver_id"))
    assert all(givers_by_contact[f"Contact {i}"] == givers[i % 10].pk for i in range(40))


def test_fifty_status_updates_on_one_referral_keep_every_accepted_change(
    busy_server, member, other_member, vice_president
):
    referral = ReferralFactory(giver=other_member, receiver=member)
    receiver, corrector = (
        Session(busy_server, member.user),
        Session(busy_server, vice_president.user),
    )
    url = reverse("referrals:set_status", args=[referral.pk])
    statuses = ["contacted", "meeting_booked", "won", "lost", "not_a_fit"]

    def update(i: int):
        session = receiver if i % 2 else corrector
        data = {"to_status": statuses[i % 5], "note": f"update {i}", "confirmed": "1"}
        return session.post(url, data, htmx=True)

    replies = all_at_once([lambda i=i: update(i) for i in range(WRITERS)])
    assert_no_errors(replies)
    assert all(r.status == 200 for r in replies)
    accepted = {i for i, r in enumerate(replies) if 'role="status">Updated:' in r.body}
    refused = {i for i, r in enumerate(replies) if 'class="errorlist"' in r.body}
    assert accepted | refused == set(range(WRITERS)) and not accepted & refused
    assert any(i % 2 == 0 for i in accepted)  # the vice-president's corrections always apply

    history = list(ReferralStatusChange.objects.filter(referral=referral).order_by("id"))
    assert sorted(h.note for h in history) == sorted(f"update {i}" for i in accepted)
    # Applied one after the other: each change starts from the status the previous one left.
    assert history[0].from_status == "new"
    for before, after in itertools.pairwise(history):
        assert after.from_status == before.to_status
    referral.refresh_from_db()
    assert referral.status == history[-1].to_status


def test_fifty_marks_on_one_attendance_leave_one_row_and_the_last_write(
    busy_server, chapter, member, vice_president, president
):
    meeting = MeetingFactory(chapter=chapter, date=chapter.today() - dt.timedelta(days=7))
    AttendanceFactory(meeting=meeting, member=member, mark="P")
    week_submit(meeting=meeting, by=vice_president)  # every change is then recorded
    session = Session(busy_server, vice_president.user)
    url = reverse("meetings:mark", args=[meeting.pk, member.pk])
    marks = ["A", "L", "M", "P"]

    replies = all_at_once(
        [lambda i=i: session.post(url, {"mark": marks[i % 4]}, htmx=True) for i in range(WRITERS)]
    )
    assert_no_errors(replies)
    assert all(r.status == 200 for r in replies), Counter(r.status for r in replies)
    assert Attendance.objects.filter(meeting=meeting, member=member).count() == 1
    final = Attendance.objects.get(meeting=meeting, member=member).mark
    changes = list(AttendanceChange.objects.filter(attendance__meeting=meeting).order_by("id"))
    assert changes, "fifty different marks changed nothing"
    assert changes[0].from_mark == "P"
    for before, after in itertools.pairwise(changes):
        assert after.from_mark == before.to_mark  # no write was lost in between
    assert final == changes[-1].to_mark  # the last write wins
