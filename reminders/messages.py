"""What each reminder says: a context per kind, and the 1-2-1's calendar invite."""

import datetime as dt

from icalendar import Calendar, Event

from meetings.models import Attendance, Meeting, Visit
from members.models import Member
from referrals.labels import party_name
from referrals.models import OneToOne, Referral

from .models import Kind, ReminderLog
from .sweeps import DEFAULT_ONE_TO_ONE_TIME


def _url(name: str, *args) -> str:
    from .services import absolute

    return absolute(name, *args)


def one_to_one_ics(one_to_one: OneToOne) -> bytes:
    """An invite whose UID is the 1-2-1's, so a reschedule updates the same calendar entry."""
    chapter = one_to_one.chapter
    start = dt.datetime.combine(
        one_to_one.date, one_to_one.time or DEFAULT_ONE_TO_ONE_TIME, chapter.tz
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Slipstream//Reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"one-to-one-{one_to_one.pk}@slipstream")
    event.add("sequence", int(one_to_one.updated_at.timestamp()))
    event.add("dtstamp", one_to_one.updated_at)
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(hours=1))
    # Both sides by name: the other may be someone outside Slipstream ("Ann Lee (BNI
    # Givers)"), who has no seat to look up.
    event.add(
        "summary", f"1-2-1: {one_to_one.member_a.full_name} & {one_to_one.party_label('member_b')}"
    )
    if one_to_one.place:
        event.add("location", one_to_one.place)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def context_for(log: ReminderLog) -> dict | None:
    return BUILDERS[log.kind](log)


def _one_to_one(log: ReminderLog) -> dict | None:
    one_to_one = (
        OneToOne.objects.select_related(
            "chapter", "member_a__user", "member_a__chapter", "member_b__user", "member_b__chapter"
        )
        .filter(pk=log.object_id, status=OneToOne.Status.PLANNED)
        .first()
    )
    if one_to_one is None:
        return None
    me = next(
        (
            member
            for member in (one_to_one.member_a, one_to_one.member_b)
            if member is not None and member.user_id == log.recipient_id
        ),
        None,
    )
    if me is None:  # the recipient is no longer on it (the slip was changed)
        return None
    # The other member (with their chapter when it is not the recipient's), or the name of
    # someone outside Slipstream: ``other`` is then None and the email has no company.
    other = one_to_one.other(me)
    other_label = party_name(
        one_to_one, "member_b" if me.pk == one_to_one.member_a_id else "member_a", me.chapter_id
    )
    start = dt.datetime.combine(
        one_to_one.date, one_to_one.time or DEFAULT_ONE_TO_ONE_TIME, one_to_one.chapter.tz
    )
    return {
        "subject": f"1-2-1 with {other_label} tomorrow",
        "other": other,
        "other_label": other_label,
        "one_to_one": one_to_one,
        "start": start,
        "link": _url("home"),
        "attachments": [("one-to-one.ics", one_to_one_ics(one_to_one), "text/calendar")],
    }


def _policy(member: Member, as_of: dt.date):
    from meetings.policy import policy_state

    return policy_state(member, as_of)


def _missed_meeting(log: ReminderLog) -> dict | None:
    attendance = (
        Attendance.objects.select_related("meeting", "member__user", "member__chapter")
        .filter(pk=log.object_id, mark=Attendance.Mark.ABSENT, meeting__cancelled=False)
        .first()
    )
    if attendance is None:
        return None
    status = _policy(attendance.member, attendance.meeting.date)
    return {
        "subject": f"We missed you on {attendance.meeting.date:%A %-d %B}",
        "meeting": attendance.meeting,
        "status": status,
        "limit": attendance.member.chapter.absence_limit,
        "window_weeks": attendance.member.chapter.policy_window_weeks,
        "link": _url("home"),
    }


def _policy_notice(log: ReminderLog) -> dict | None:
    member = Member.objects.select_related("user", "chapter").filter(pk=log.object_id).first()
    if member is None:
        return None
    status = _policy(member, member.chapter.today())
    if log.kind == Kind.POLICY and status.state not in {"warning", "at_limit"}:
        return None  # they recovered before the note went out
    if log.kind == Kind.POLICY_OVER and status.state != "over":
        return None
    subject = (
        f"{member.full_name} is over the attendance limit"
        if log.kind == Kind.POLICY_OVER
        else f"Attendance: you have {status.absences} absence{'s' if status.absences != 1 else ''}"
    )
    return {"subject": subject, "member": member, "status": status,
            "limit": member.chapter.absence_limit, "link": _url("home")}  # fmt: skip


def _referral_waiting(log: ReminderLog) -> dict | None:
    referral = (
        Referral.objects.select_related("giver__user", "giver__chapter", "receiver")
        .filter(pk=log.object_id)
        .exclude(status__in=[str(s) for s in Referral.CLOSED])
        .first()
    )
    if referral is None:
        return None
    last = referral.status_changed_at or referral.created_at
    return {
        "subject": f"How did it go with {referral.contact_name}?",
        "referral": referral,
        # A giver of another chapter with its name; one outside Slipstream as the slip names
        # them (they have no login: the update is for the record, not for them to read).
        "giver_label": party_name(referral, "giver", referral.receiver.chapter_id),
        "days": (log.created_at - last).days,
        "link": _url("referrals:inbox"),
    }


def _meeting_eve(log: ReminderLog) -> dict | None:
    meeting = (
        Meeting.objects.select_related("presenter__user", "chapter")
        .filter(pk=log.object_id, cancelled=False)
        .first()
    )
    if meeting is None:
        return None
    visitors = list(
        Visit.objects.filter(meeting=meeting)
        .select_related("visitor", "invited_by__user")
        .order_by("visitor__name")
    )
    return {
        "subject": f"Meeting tomorrow, {meeting.date:%A %-d %B}",
        "meeting": meeting,
        "visitors": visitors,
        "link": _url("referrals:log_slip"),
    }


def _renewal(log: ReminderLog) -> dict | None:
    member = Member.objects.select_related("user").filter(pk=log.object_id).first()
    if member is None or member.renewal_due is None or member.status not in Member.SEATED:
        return None
    mine = member.user_id == log.recipient_id
    return {
        "subject": "Your membership renewal is due"
        if mine
        else f"{member.full_name}'s renewal is due {member.renewal_due:%-d %B}",
        "member": member,
        "mine": mine,
        "link": _url("home"),
    }


BUILDERS = {
    Kind.ONE_TO_ONE: _one_to_one,
    Kind.MISSED_MEETING: _missed_meeting,
    Kind.POLICY: _policy_notice,
    Kind.POLICY_OVER: _policy_notice,
    Kind.REFERRAL_WAITING: _referral_waiting,
    Kind.MEETING_EVE: _meeting_eve,
    Kind.RENEWAL: _renewal,
}
