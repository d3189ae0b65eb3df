"""The meetings part of the demo chapter (see members.demo); idempotent.

26 past weeks (one cancelled for a bank holiday) and 8 coming ones, a presenter rota,
believable marks for everyone who belonged (mostly P, some L/S/M, M while on leave), a couple
of members at ``warning`` and one ``over``, and visitors in every follow-up status. A seeded
``random.Random`` makes every run draw the same marks, and rows are only added where missing.
"""

import datetime as dt
import random

from members.models import Chapter, Member

from . import policy, services
from .models import Attendance, Meeting, Visit, Visitor

PAST_WEEKS = 26
SUBSTITUTES = ["Jo Bright", "Sam Carter", "Alex Moreno", "Kim Osei"]
VISITORS = [
    # (name, company, trade, status, visits: weeks from today (negative = past), attended)
    ("Grace Hopper", "Hopper Print Ltd", "Printer", Visitor.Status.INVITED, [1]),
    ("Ivan Petrov", "Petrov Plumbing", "Plumber", Visitor.Status.ATTENDED, [-1]),
    ("Nora Quinn", "Quinn Insurance", "Insurance broker", Visitor.Status.APPLIED, [-5, -2]),
    ("Omar Haddad", "Haddad Electrical", "Electrician", Visitor.Status.JOINED, [-12, -9]),
    ("Lena Fischer", "Fischer Events", "Event planner", Visitor.Status.NOT_INTERESTED, [-7]),
]


def seed(chapter: Chapter) -> None:
    """Add this app's demo rows to chapter; safe to call again."""
    today = chapter.today()
    rng = random.Random(f"slipstream-meetings-{chapter.slug}")
    past = _past_meetings(chapter, today)
    members = list(
        Member.objects.filter(chapter=chapter)
        .exclude(status=Member.Status.APPLICANT)
        .select_related("user")
        .prefetch_related("roles")
        .order_by("pk")
    )
    _rota(chapter, members, past)
    services.ensure_upcoming_meetings(chapter=chapter, weeks=8, today=today)
    _attendance(chapter, members, [m for m in past if not m.cancelled], rng)
    _visitors(chapter, members, today)


def _past_meetings(chapter: Chapter, today: dt.date) -> list[Meeting]:
    back = (today.weekday() - chapter.meeting_weekday) % 7 or 7
    last = today - dt.timedelta(days=back)
    dates = [last - dt.timedelta(weeks=n) for n in range(PAST_WEEKS)][::-1]
    Meeting.objects.bulk_create(
        [
            Meeting(chapter=chapter, date=d, starts_at=services.meeting_start(chapter, d))
            for d in dates
        ],
        ignore_conflicts=True,
    )
    holiday = dates[PAST_WEEKS // 2]
    Meeting.objects.filter(chapter=chapter, date=holiday, attendances__isnull=True).update(
        cancelled=True, cancel_reason="Bank holiday", presenter=None
    )
    return list(Meeting.objects.filter(chapter=chapter, date__in=dates).order_by("date"))


def _rota(chapter: Chapter, members: list[Member], past: list[Meeting]) -> None:
    seated = [m for m in members if m.status in Member.SEATED]
    for member in seated:
        services.add_to_rota(chapter=chapter, member=member)
    rota = services.rota_members(chapter)
    if not rota:
        return
    held = [m for m in past if not m.cancelled]
    for turn, meeting in enumerate(held):
        if meeting.presenter_id is None:
            meeting.presenter = rota[turn % len(rota)]
    Meeting.objects.bulk_update(held, ["presenter"])


def _attendance(chapter: Chapter, members: list[Member], held: list[Meeting], rng) -> None:
    """Mostly P; a couple at warning (limit − 1 absences), one over (limit + 1)."""
    limit = chapter.absence_limit
    candidates = sorted(
        (m for m in members if m.status == Member.Status.ACTIVE and m.left_on is None),
        key=lambda m: (bool(m.roles.all()), m.pk),  # leaders last: they stay in good standing
    )
    planned_absences = {}
    if candidates:
        planned_absences[candidates[0].pk] = limit + 1
    for member in candidates[1:3]:
        planned_absences[member.pk] = limit - 1
    # A planned absence drawn on a meeting the policy's window no longer holds (which, on
    # some weekdays, the oldest one is) moves to the newest meeting without one, so the
    # members at warning and over are there whatever day the demo is seeded on.
    outside = policy.window_start(chapter, chapter.today())
    rows = []
    for member in members:
        dates = [m for m in held if member.belongs_on(m.date)]
        absent = set(
            rng.sample(range(len(dates)), min(planned_absences.get(member.pk, 0), len(dates)))
        )
        spare = [i for i in reversed(range(len(dates))) if i not in absent]
        absent = {i if dates[i].date > outside or not spare else spare.pop(0) for i in absent}
        for index, meeting in enumerate(dates):
            substitute = ""
            if member.on_leave_on(meeting.date):
                mark = Attendance.Mark.MEDICAL
            elif index in absent:
                mark = Attendance.Mark.ABSENT
            else:
                mark = rng.choices("PLSM", weights=[86, 7, 5, 2])[0]
                if mark == Attendance.Mark.SUBSTITUTE:
                    substitute = rng.choice(SUBSTITUTES)
            rows.append(
                Attendance(meeting=meeting, member=member, mark=mark, substitute_name=substitute)
            )
    Attendance.objects.bulk_create(rows, ignore_conflicts=True)


def _visitors(chapter: Chapter, members: list[Member], today: dt.date) -> None:
    seated = [m for m in members if m.status in Member.SEATED]
    meetings = {m.date: m for m in Meeting.objects.filter(chapter=chapter, cancelled=False)}
    for index, (name, company, trade, status, weeks) in enumerate(VISITORS):
        email = f"{name.split()[0].lower()}@visitor.demo.slipstream.test"
        visitor, _ = Visitor.objects.get_or_create(
            chapter=chapter,
            email=email,
            defaults={"name": name, "company": company, "trade": trade, "status": status},
        )
        inviter = seated[index % len(seated)] if seated else None
        for offset in weeks:
            meeting = _nearest_meeting(meetings, today + dt.timedelta(weeks=offset))
            if meeting is None:
                continue
            Visit.objects.get_or_create(
                visitor=visitor,
                meeting=meeting,
                defaults={"invited_by": inviter, "attended": meeting.date < today},
            )


def _nearest_meeting(meetings: dict[dt.date, Meeting], day: dt.date) -> Meeting | None:
    for delta in range(7):
        for candidate in (day + dt.timedelta(days=delta), day - dt.timedelta(days=delta)):
            if candidate in meetings:
                return meetings[candidate]
    return None
