"""What each reminder says: a context per kind, how a digest groups and names them, and the
1-2-1's calendar invite."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
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
        "summary",
        gettext("1-2-1: %(member)s & %(other)s")
        % {"member": one_to_one.member_a.full_name, "other": one_to_one.party_label("member_b")},
    )
    if one_to_one.place:
        event.add("location", one_to_one.place)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def context_for(log: ReminderLog) -> dict | None:
    """What one ledger row says, or ``None`` when its subject is gone. Besides the values its
    templates read: ``subject`` (the email's, when it is alone), optionally ``link`` and
    ``action`` (where one tap takes the reader, and the words on it; without them the email's
    own "Open Slipstream" serves) and ``attachments``."""
    return BUILDERS[log.kind](log)


@dataclass
class Item:
    """One ledger row in a digest, with its fragments once drawn."""

    log: ReminderLog
    context: dict
    html: SafeString = field(default=SafeString(""))
    text: str = ""

    @property
    def link(self) -> str | None:
        return self.context.get("link")

    @property
    def action(self) -> str | None:
        return self.context.get("action")


@dataclass
class Group:
    """The items of one kind, under a heading that counts them."""

    kind: str
    title: str
    items: list[Item]

    @property
    def rule(self) -> str:
        return "-" * len(self.title)


#: The order of a digest's sections: what happens soonest first.
ORDER = [
    Kind.MEETING_EVE,
    Kind.ONE_TO_ONE,
    Kind.REFERRAL_WAITING,
    Kind.MISSED_MEETING,
    Kind.POLICY,
    Kind.POLICY_OVER,
    Kind.RENEWAL,
]


def section_title(kind: str, count: int) -> str:
    """The heading of a digest's section of ``count`` reminders of one kind."""
    titles = {
        Kind.MEETING_EVE: ngettext("The meeting tomorrow", "%(count)d meetings tomorrow", count),
        Kind.ONE_TO_ONE: ngettext("A 1-2-1 tomorrow", "%(count)d 1-2-1s tomorrow", count),
        Kind.REFERRAL_WAITING: ngettext(
            "A referral waiting for your update",
            "%(count)d referrals waiting for your update",
            count,
        ),
        Kind.MISSED_MEETING: ngettext("A missed meeting", "%(count)d missed meetings", count),
        Kind.POLICY: gettext("Your attendance"),
        Kind.POLICY_OVER: ngettext(
            "A member over the attendance limit",
            "%(count)d members over the attendance limit",
            count,
        ),
        Kind.RENEWAL: ngettext(
            "A membership renewal due", "%(count)d membership renewals due", count
        ),
    }
    return titles[kind] % {"count": count}


def grouped(items: list[Item]) -> list[Group]:
    """The items in sections by kind, soonest first; within a kind, as they were recorded."""
    by_kind: dict[str, list[Item]] = {}
    for item in items:
        by_kind.setdefault(item.log.kind, []).append(item)
    return [
        Group(kind, section_title(kind, len(by_kind[kind])), by_kind[kind])
        for kind in ORDER
        if kind in by_kind
    ]


def digest_subject(items: list[Item], groups: list[Group]) -> str:
    """One reminder keeps its own subject; several are named by their sections."""
    if len(items) == 1:
        return items[0].context["subject"]
    return " · ".join(group.title for group in groups)


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
        "subject": gettext("1-2-1 with %(other)s tomorrow") % {"other": other_label},
        "other": other,
        "other_label": other_label,
        "one_to_one": one_to_one,
        "start": start,
        "attachments": [
            (f"one-to-one-{one_to_one.pk}.ics", one_to_one_ics(one_to_one), "text/calendar")
        ],
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
        "subject": gettext("We missed you on %(day)s")
        % {"day": date_format(attendance.meeting.date, "l j F")},
        "meeting": attendance.meeting,
        "status": status,
        "limit": attendance.member.chapter.absence_limit,
        "window_weeks": attendance.member.chapter.policy_window_weeks,
        "link": _url("meetings:my_attendance"),
        "action": gettext("See your attendance"),
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
    if log.kind == Kind.POLICY_OVER:
        subject = gettext("%(name)s is over the attendance limit") % {"name": member.full_name}
    else:
        subject = ngettext(
            "Attendance: you have %(count)d absence",
            "Attendance: you have %(count)d absences",
            status.absences,
        ) % {"count": status.absences}
    mine = log.kind == Kind.POLICY
    return {
        "subject": subject,
        "member": member,
        "status": status,
        "limit": member.chapter.absence_limit,
        "window_weeks": member.chapter.policy_window_weeks,
        "link": _url("meetings:my_attendance") if mine else _url("members:profile", member.pk),
        "action": gettext("See your attendance") if mine else gettext("Open their profile"),
    }


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
        "subject": gettext("How did it go with %(contact)s?") % {"contact": referral.contact_name},
        "referral": referral,
        # A giver of another chapter with its name; one outside Slipstream as the slip names
        # them (they have no login: the update is for the record, not for them to read).
        "giver_label": party_name(referral, "giver", referral.receiver.chapter_id),
        "days": (log.created_at - last).days,
        "link": _url("referrals:detail", referral.pk),
        "action": gettext("Update this referral"),
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
        "subject": gettext("Meeting tomorrow, %(day)s")
        % {"day": date_format(meeting.date, "l j F")},
        "meeting": meeting,
        "visitors": visitors,
        "link": _url("referrals:log_slip"),
        "action": gettext("Log your slips"),
    }


def _renewal(log: ReminderLog) -> dict | None:
    member = Member.objects.select_related("user").filter(pk=log.object_id).first()
    if member is None or member.renewal_due is None or member.status not in Member.SEATED:
        return None
    mine = member.user_id == log.recipient_id
    return {
        "subject": gettext("Your membership renewal is due")
        if mine
        else gettext("%(name)s's renewal is due %(day)s")
        % {"name": member.full_name, "day": date_format(member.renewal_due, "j F")},
        "member": member,
        "mine": mine,
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
