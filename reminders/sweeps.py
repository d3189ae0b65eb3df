"""What is due now: one set-based query per reminder kind (DOMAIN.md "Reminders").

Each sweep returns ``Due`` keys; ``services.run_sweeps`` records the new ones and enqueues a
send task per key. Local times ("the morning after", "the day before") are each chapter's
own, so one sweep every few minutes serves chapters in every time zone.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from meetings.models import Attendance, Meeting
from members.models import Chapter, Member, Role
from referrals.models import OneToOne, Referral

from .models import Kind

DEFAULT_ONE_TO_ONE_TIME = dt.time(9, 0)  # a 1-2-1 logged without a time: assume 9 am local
MORNING = dt.time(8, 0)  # missed-meeting notes go out from 8 am the morning after
EVENING_BEFORE = dt.time(17, 0)  # meeting-eve notes go out from 5 pm the day before
RENEWAL_NOTICE_DAYS = 30
REFERRAL_WAIT = dt.timedelta(days=7)


@dataclass(frozen=True)
class Due:
    kind: str
    chapter_id: int
    object_id: int
    recipient_id: int  # a user id
    occurrence: str
    member_id: int | None = None  # the recipient's member seat, for their preferences


def _local(now: dt.datetime, time_zone: str) -> dt.datetime:
    return timezone.localtime(now, ZoneInfo(time_zone))


#: What a sweep reads of each member a 1-2-1 links: their seat, login and chapter.
_SIDE_FIELDS = ("_id", "__user_id", "__status", "__chapter_id")


def one_to_ones(now: dt.datetime) -> list[Due]:
    """A planned 1-2-1 starting within 24 hours: each member it links who holds a seat, once
    per start time. The time is the chapter's it was logged in (whoever logged it set it);
    each reminder is filed under its recipient's own chapter, so a 1-2-1 across the chapter
    line reminds the member of the other chapter like any other. Someone outside Slipstream
    has no login and gets nothing: the member alone is reminded."""
    today = now.date()
    sides = ("member_a", "member_b")
    rows = (
        OneToOne.objects.filter(
            status=OneToOne.Status.PLANNED,
            date__gte=today - dt.timedelta(days=1),
            date__lte=today + dt.timedelta(days=2),
        )
        .filter(Q(member_a__status__in=Member.SEATED) | Q(member_b__status__in=Member.SEATED))
        .values(
            "pk",
            "chapter__time_zone",
            "date",
            "time",
            *(f"{side}{column}" for side in sides for column in _SIDE_FIELDS),
        )
    )
    due = []
    for r in rows:
        start = dt.datetime.combine(
            r["date"], r["time"] or DEFAULT_ONE_TO_ONE_TIME, ZoneInfo(r["chapter__time_zone"])
        ).astimezone(dt.UTC)  # 24 real hours, not 24 wall-clock hours, across a DST change
        if not start - dt.timedelta(hours=24) <= now < start:
            continue
        for side in sides:
            if r[f"{side}_id"] is not None and r[f"{side}__status"] in Member.SEATED:
                due.append(
                    Due(
                        Kind.ONE_TO_ONE,
                        r[f"{side}__chapter_id"],
                        r["pk"],
                        r[f"{side}__user_id"],
                        start.isoformat(),
                        r[f"{side}_id"],
                    )
                )
    return due


def missed_meetings(now: dt.datetime) -> list[Due]:
    """An ``A`` mark: to the member the morning after the meeting, in the chapter's time."""
    today = now.date()
    rows = Attendance.objects.filter(
        mark=Attendance.Mark.ABSENT,
        meeting__cancelled=False,
        meeting__date__gte=today - dt.timedelta(days=2),
        meeting__date__lte=today,
    ).values(
        "pk",
        "meeting_id",
        "meeting__date",
        "meeting__chapter_id",
        "meeting__chapter__time_zone",
        "member_id",
        "member__user_id",
    )
    due = []
    for r in rows:
        local = _local(now, r["meeting__chapter__time_zone"])
        if r["meeting__date"] == local.date() - dt.timedelta(days=1) and local.time() >= MORNING:
            due.append(
                Due(
                    Kind.MISSED_MEETING,
                    r["meeting__chapter_id"],
                    r["pk"],
                    r["member__user_id"],
                    f"meeting-{r['meeting_id']}",
                    r["member_id"],
                )
            )
    return due


def referrals_waiting(now: dt.datetime) -> list[Due]:
    """An open referral untouched for 7 days: to the receiver, once per week of waiting.

    Whichever chapter it was logged in: a referral from another chapter (or from someone
    outside Slipstream) waits in the receiver's inbox like any other. The reminder is filed
    under the receiver's chapter, whose name its subject carries and whose leaders list it.
    A referral imported from BNI Connect's history reminds nobody.
    """
    closed = [str(s) for s in Referral.CLOSED]
    rows = (
        Referral.objects.logged()
        .exclude(status__in=closed)
        .annotate(last_change=Coalesce("status_changed_at", "created_at"))
        .filter(last_change__lte=now - REFERRAL_WAIT, receiver__status__in=Member.SEATED)
        .values("pk", "receiver__chapter_id", "last_change", "receiver_id", "receiver__user_id")
    )
    due = []
    for r in rows:
        weeks = (now - r["last_change"]) // REFERRAL_WAIT
        occurrence = f"{r['last_change']:%Y%m%dT%H%M%S}-week-{weeks}"
        due.append(
            Due(
                Kind.REFERRAL_WAITING,
                r["receiver__chapter_id"],
                r["pk"],
                r["receiver__user_id"],
                occurrence,
                r["receiver_id"],
            )
        )
    return due


def meeting_eves(now: dt.datetime) -> list[Due]:
    """The day before a held meeting, from 5 pm local: every member who will belong then."""
    today = now.date()
    meetings = {
        m["pk"]: m
        for m in Meeting.objects.filter(
            cancelled=False, date__gte=today, date__lte=today + dt.timedelta(days=2)
        ).values("pk", "date", "chapter_id", "chapter__time_zone")
    }
    eve = {}
    for m in meetings.values():
        local = _local(now, m["chapter__time_zone"])
        if m["date"] == local.date() + dt.timedelta(days=1) and local.time() >= EVENING_BEFORE:
            eve[m["chapter_id"]] = m
    if not eve:
        return []
    due = []
    for member in Member.objects.filter(chapter_id__in=eve, status__in=Member.SEATED).values(
        "pk", "chapter_id", "user_id", "joined_on", "left_on"
    ):
        meeting = eve[member["chapter_id"]]
        if member["joined_on"] <= meeting["date"] and (
            member["left_on"] is None or member["left_on"] >= meeting["date"]
        ):
            due.append(
                Due(
                    Kind.MEETING_EVE,
                    member["chapter_id"],
                    meeting["pk"],
                    member["user_id"],
                    meeting["date"].isoformat(),
                    member["pk"],
                )
            )
    return due


def renewals(now: dt.datetime) -> list[Due]:
    """Renewal due within 30 days: to the member and the chapter's secretary-treasurer."""
    today = now.date()
    members = list(
        Member.objects.filter(
            status__in=Member.SEATED,
            renewal_due__gte=today - dt.timedelta(days=1),
            renewal_due__lte=today + dt.timedelta(days=RENEWAL_NOTICE_DAYS + 1),
        ).values("pk", "chapter_id", "chapter__time_zone", "user_id", "renewal_due")
    )
    if not members:
        return []
    secretaries = _role_holders(
        {m["chapter_id"] for m in members}, [Role.Name.SECRETARY_TREASURER], today
    )
    due = []
    for m in members:
        local_today = _local(now, m["chapter__time_zone"]).date()
        if (
            not local_today
            <= m["renewal_due"]
            <= local_today + dt.timedelta(days=RENEWAL_NOTICE_DAYS)
        ):
            continue
        occurrence = m["renewal_due"].isoformat()
        due.append(Due(Kind.RENEWAL, m["chapter_id"], m["pk"], m["user_id"], occurrence, m["pk"]))
        for sec_member, sec_user in secretaries.get(m["chapter_id"], []):
            if sec_member != m["pk"]:
                due.append(
                    Due(Kind.RENEWAL, m["chapter_id"], m["pk"], sec_user, occurrence, sec_member)
                )
    return due


def _role_holders(chapter_ids, roles, today) -> dict[int, list[tuple[int, int]]]:
    """(member id, user id) of the current holders of ``roles`` in each chapter."""
    holders: dict[int, list[tuple[int, int]]] = {}
    for r in (
        Role.objects.current(today)
        .filter(
            name__in=roles,
            member__chapter_id__in=chapter_ids,
            member__status__in=Member.SEATED,
        )
        .values("member_id", "member__user_id", "member__chapter_id")
        .distinct()
    ):
        holders.setdefault(r["member__chapter_id"], []).append(
            (r["member_id"], r["member__user_id"])
        )
    return holders


def policy_notices(now: dt.datetime) -> list[Due]:
    """Reaching ``warning`` or ``at_limit``: to the member; going ``over``: to the membership
    committee and the vice-president. Once per state and latest absence.

    Only chapters with an ``A`` or ``M`` mark in the window can have anyone at risk, so the
    policy engine (two queries a chapter) runs for those alone.
    """
    from meetings.policy import policy_states

    since = now.date() - dt.timedelta(weeks=27)
    chapters = list(
        Chapter.objects.filter(
            pk__in=Attendance.objects.filter(
                mark__in=[Attendance.Mark.ABSENT, Attendance.Mark.MEDICAL],
                meeting__date__gte=since,
            ).values("meeting__chapter_id")
        )
    )
    if not chapters:
        return []
    seated = {
        m["pk"]: m["user_id"]
        for m in Member.objects.filter(chapter__in=chapters, status__in=Member.SEATED).values(
            "pk", "user_id"
        )
    }
    at_risk = []
    for chapter in chapters:
        for member_id, status in policy_states(
            chapter, _local(now, chapter.time_zone).date()
        ).items():
            if member_id in seated and status.at_risk:
                at_risk.append((chapter.pk, member_id, status))
    committee = _role_holders(
        {c for c, _, s in at_risk if s.state == "over"},
        [Role.Name.MEMBERSHIP_COMMITTEE, Role.Name.VICE_PRESIDENT],
        now.date(),
    )
    due = []
    for chapter_id, member_id, status in at_risk:
        last = status.absence_dates[-1].isoformat() if status.absence_dates else "none"
        occurrence = f"{status.state}-{last}"
        if status.state != "over":
            due.append(
                Due(Kind.POLICY, chapter_id, member_id, seated[member_id], occurrence, member_id)
            )
            continue
        for holder_member, holder_user in committee.get(chapter_id, []):
            if holder_member != member_id:
                due.append(Due(Kind.POLICY_OVER, chapter_id, member_id, holder_user, occurrence))
    return due


SWEEPS = {
    Kind.ONE_TO_ONE: one_to_ones,
    Kind.MISSED_MEETING: missed_meetings,
    Kind.POLICY: policy_notices,
    Kind.REFERRAL_WAITING: referrals_waiting,
    Kind.MEETING_EVE: meeting_eves,
    Kind.RENEWAL: renewals,
}
