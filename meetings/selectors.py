"""Reads the meetings pages share; each runs a fixed number of queries whatever the size."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from members.models import Chapter, Classification, Member

from .models import Attendance, Meeting, Visit, Visitor
from .policy import AT_RISK, PolicyStatus, policy_state, policy_states, state_for
from .services import default_mark

MARKS = [choice for choice, _ in Attendance.Mark.choices]


def chapter_meeting(chapter: Chapter, pk: int) -> Meeting | None:
    """The chapter's meeting ``pk``, or None; it shares the chapter object already loaded."""
    found = Meeting.objects.filter(pk=pk, chapter_id=chapter.pk).first()
    if found is not None:
        found.chapter = chapter
    return found


def upcoming_meetings(chapter: Chapter, *, today: dt.date | None = None) -> QuerySet[Meeting]:
    today = today or chapter.today()
    return Meeting.objects.filter(chapter=chapter, date__gte=today).order_by("date")


def held_meeting_on(chapter: Chapter, day: dt.date) -> Meeting | None:
    """The chapter's meeting held on ``day``, if any: on meeting day the leaders' home page
    offers its attendance."""
    found = Meeting.objects.held().filter(chapter_id=chapter.pk, date=day).first()
    if found is not None:
        found.chapter = chapter
    return found


def meetings_overview(chapter: Chapter) -> tuple[list[Meeting], list[Meeting]]:
    """(upcoming, recent): the next 8 and the last 8 meetings, presenters and visitor counts.

    Each meeting's visits are counted distinct: another join in the query (its marks, say)
    would repeat every visit once per joined row and multiply the count."""
    today = chapter.today()
    base = (
        Meeting.objects.filter(chapter=chapter)
        .select_related("presenter__user")
        .annotate(expected=Count("visits", distinct=True))
    )
    upcoming = list(base.filter(date__gte=today).order_by("date")[:8])
    recent = list(base.filter(date__lt=today).order_by("-date")[:8])
    return upcoming, recent


@dataclass
class Agenda:
    meeting: Meeting
    visits: list[Visit]
    on_leave: list[Member]


def meeting_agenda(meeting: Meeting) -> Agenda:
    visits = list(
        meeting.visits.select_related("visitor", "invited_by__user").order_by("visitor__name")
    )
    on_leave = [
        m
        for m in Member.objects.filter(chapter=meeting.chapter, status=Member.Status.ON_LEAVE)
        .belonging_on(meeting.date)
        .select_related("user")
        if m.on_leave_on(meeting.date)
    ]
    return Agenda(meeting=meeting, visits=visits, on_leave=on_leave)


# --- Taking attendance ---------------------------------------------------------------------------


@dataclass
class RosterRow:
    member: Member
    attendance: Attendance | None
    mark: str
    error: str = ""
    substitute_name: str = ""
    asking_substitute: bool = False
    # Filled in by the page: the P/A/L/M/S buttons' HTML (shared by rows with the same mark),
    # where the row posts, and whether it is the leader marking.
    buttons: str = ""
    action: str = ""
    is_me: bool = False

    @property
    def saved(self) -> bool:
        return self.attendance is not None

    @property
    def name(self) -> str:
        return self.member.full_name

    @property
    def shows_substitute(self) -> bool:
        """The row asks for the substitute's name, or shows the one stored with an S."""
        return self.asking_substitute or self.mark == Attendance.Mark.SUBSTITUTE


def roster_row(meeting: Meeting, member: Member, attendance: Attendance | None) -> RosterRow:
    mark = attendance.mark if attendance else default_mark(member, meeting.date)
    return RosterRow(
        member=member,
        attendance=attendance,
        mark=mark,
        substitute_name=attendance.substitute_name if attendance else "",
    )


#: What a roster row reads of a member: the name, the trade, who they are and their leave.
ROSTER_FIELDS = (
    "pk",
    "chapter_id",
    "user_id",
    "status",
    "joined_on",
    "left_on",
    "leave_from",
    "leave_until",
    "user__first_name",
    "user__last_name",
    "user__email",
    "classification__name",
)


def _belonging_members(chapter_id, day):
    return (
        Member.objects.filter(chapter_id=chapter_id)
        .belonging_on(day)
        .select_related("user", "classification")
        .only(*ROSTER_FIELDS)
    )


def attendance_roster(meeting: Meeting) -> list[RosterRow]:
    """Everyone who belonged on the meeting's date, with their mark or the default one.

    Read on every tap of the take-attendance page, so both queries read only the columns a
    row shows (``ROSTER_FIELDS``; three whole rows per member were most of its database time).
    """
    members = _belonging_members(meeting.chapter_id, meeting.date)
    marks = {
        a.member_id: a
        for a in Attendance.objects.filter(meeting_id=meeting.pk).only(
            "pk", "meeting_id", "member_id", "mark", "substitute_name"
        )
    }
    return [roster_row(meeting, m, marks.get(m.pk)) for m in members]


@dataclass
class MarkCount:
    totals: dict[str, int]
    unsaved: int
    people: int


def count_rows(rows: list[RosterRow]) -> MarkCount:
    """The count of a whole roster already read: each row's mark, saved or by default."""
    totals = Counter({mark: 0 for mark in MARKS})
    totals.update(row.mark for row in rows)
    unsaved = sum(1 for row in rows if not row.saved)
    return MarkCount(totals={m: totals[m] for m in MARKS}, unsaved=unsaved, people=len(rows))


def mark_count(meeting: Meeting) -> MarkCount:
    """P/A/L/M/S totals, counting members not yet marked at their default mark: one statement.

    Every tap's answer carries the meeting's count, so it is read after each of a meeting's
    taps; through the ORM, building the query took several times what running it did. Who
    counts is ``MemberQuerySet.belonging_on`` and the default is ``default_mark`` (M on leave
    that day, else P): ``tests/meetings/test_attendance.py`` holds this to ``count_rows`` over
    the roster the page reads, across statuses, joins, departures and leaves.
    """
    day = meeting.date
    with connection.cursor() as cursor:
        cursor.execute(
            _MARK_COUNT_SQL,
            [
                *(Member.Status.ON_LEAVE, day, day),
                *(Attendance.Mark.MEDICAL, Attendance.Mark.PRESENT),
                *(meeting.pk, meeting.chapter_id, Member.Status.APPLICANT, day, day),
            ],
        )
        found = cursor.fetchall()
    totals = Counter({mark: 0 for mark in MARKS})
    for mark, people, _ in found:
        totals[mark] += people
    return MarkCount(
        totals={m: totals[m] for m in MARKS},
        unsaved=sum(unsaved for _, _, unsaved in found),
        people=sum(people for _, people, _ in found),
    )


_MEMBER, _ATTENDANCE = Member._meta.db_table, Attendance._meta.db_table
#: ``mark_count``'s statement: each belonging member's saved mark, or their default, counted.
_MARK_COUNT_SQL = (
    "SELECT COALESCE(a.mark, CASE WHEN m.status = %s"  # noqa: S608
    " AND (m.leave_from IS NULL OR m.leave_from <= %s)"
    " AND (m.leave_until IS NULL OR m.leave_until >= %s) THEN %s ELSE %s END) AS counted,"
    " COUNT(*), SUM(CASE WHEN a.id IS NULL THEN 1 ELSE 0 END)"
    f" FROM {_MEMBER} m LEFT JOIN {_ATTENDANCE} a ON a.member_id = m.id AND a.meeting_id = %s"
    " WHERE m.chapter_id = %s AND m.status <> %s AND m.joined_on <= %s"
    " AND (m.left_on IS NULL OR m.left_on >= %s)"
    " GROUP BY counted"
)


# --- Review and history --------------------------------------------------------------------------


def held_meetings_up_to(chapter: Chapter, as_of: dt.date, count: int) -> list[Meeting]:
    return list(
        reversed(
            Meeting.objects.filter(chapter=chapter, cancelled=False, date__lte=as_of).order_by(
                "-date"
            )[:count]
        )
    )


@dataclass
class GridRow:
    member: Member
    cells: list[str]  # one mark per meeting; "" no mark; "-" did not belong
    status: PolicyStatus


@dataclass
class ReviewGrid:
    meetings: list[Meeting]
    rows: list[GridRow]
    at_risk: list[GridRow] = field(default_factory=list)


def review_grid(chapter: Chapter, as_of: dt.date | None = None) -> ReviewGrid:
    """Members × the last N held meetings, and who is at risk under the policy (4 queries)."""
    as_of = as_of or chapter.today()
    meetings = held_meetings_up_to(chapter, as_of, chapter.policy_window_weeks)
    if not meetings:
        return ReviewGrid(meetings=[], rows=[])
    members = list(
        Member.objects.filter(chapter=chapter)
        .belonging_between(meetings[0].date, meetings[-1].date)
        .select_related("user")
    )
    marks = dict(
        (((a["meeting_id"], a["member_id"]), a["mark"]))
        for a in Attendance.objects.filter(meeting__in=[m.pk for m in meetings]).values(
            "meeting_id", "member_id", "mark"
        )
    )
    states = policy_states(chapter, as_of)
    limit = chapter.absence_limit
    rows = []
    for member in members:
        cells = [
            marks.get((meeting.pk, member.pk), "" if member.belongs_on(meeting.date) else "-")
            for meeting in meetings
        ]
        status = states.get(member.pk) or PolicyStatus(state_for(0, limit), 0, limit)
        rows.append(GridRow(member=member, cells=cells, status=status))
    at_risk = sorted(
        (row for row in rows if row.status.state in AT_RISK),
        key=lambda row: (-row.status.absences, row.member.full_name),
    )
    return ReviewGrid(meetings=meetings, rows=rows, at_risk=at_risk)


@dataclass
class AttendanceHistory:
    member: Member
    rows: list[tuple[Meeting, str]]  # (meeting, mark or "")
    status: PolicyStatus
    totals: dict[str, int]


def attendance_history(member: Member, as_of: dt.date | None = None) -> AttendanceHistory:
    """A member's marks at the last N held meetings while they belonged, and their standing."""
    chapter = member.chapter
    as_of = as_of or chapter.today()
    meetings = (
        Meeting.objects.filter(chapter=chapter, cancelled=False, date__lte=as_of)
        .filter(date__gte=member.joined_on)
        .order_by("-date")
        .prefetch_related(
            Prefetch(
                "attendances",
                queryset=Attendance.objects.filter(member=member),
                to_attr="own",
            )
        )
    )
    if member.left_on:
        meetings = meetings.filter(date__lte=member.left_on)
    rows = [(m, m.own[0].mark if m.own else "") for m in meetings[: chapter.policy_window_weeks]]
    totals = Counter(mark for _, mark in rows if mark)
    return AttendanceHistory(
        member=member,
        rows=rows,
        status=policy_state(member, as_of),
        totals={m: totals[m] for m in MARKS},
    )


# --- Visitors -------------------------------------------------------------------------------------


def with_trade_taken(queryset: QuerySet[Visitor]) -> QuerySet[Visitor]:
    """Annotate ``trade_taken``: a seated member of the visitor's chapter holds their trade."""
    return queryset.annotate(
        trade_taken=Exists(
            Member.objects.filter(
                chapter=OuterRef("chapter"),
                classification=OuterRef("classification"),
                status__in=Member.SEATED,
            )
        )
    )


def visitor_list(
    chapter_visitors: QuerySet[Visitor],
    *,
    status: str = "",
    meeting: Meeting | None = None,
    invited_by: Member | None = None,
) -> QuerySet[Visitor]:
    visitors = chapter_visitors
    if status:
        visitors = visitors.filter(status=status)
    if meeting is not None:
        visitors = visitors.filter(visits__meeting=meeting)
    if invited_by is not None:
        visitors = visitors.filter(visits__invited_by=invited_by)
    return (
        with_trade_taken(visitors.distinct())
        .select_related("classification")
        .prefetch_related(
            Prefetch(
                "visits",
                queryset=Visit.objects.select_related("meeting", "invited_by__user").order_by(
                    "meeting__date"
                ),
            )
        )
        .order_by("-created_at")
    )


def visits_at(meeting: Meeting) -> list[Visit]:
    visits = meeting.visits.select_related("invited_by__user", "visitor__classification")
    trade_taken = set(
        Member.objects.seated_in(meeting.chapter).values_list("classification_id", flat=True)
    )
    result = list(visits.order_by("visitor__name"))
    for visit in result:
        visit.visitor.trade_taken = visit.visitor.classification_id in trade_taken
    return result


def visitors_brought(member: Member) -> int:
    """Visitors this member invited who came (PALMS ``V`` over all time)."""
    return Visit.objects.filter(invited_by=member, attended=True).count()


# --- The public page ------------------------------------------------------------------------------


@dataclass
class PublicChapter:
    chapter: Chapter
    next_meetings: list[Meeting]
    trades_held: list[str]
    trades_wanted: list[str]


def public_chapter(chapter: Chapter) -> PublicChapter:
    """What a stranger may see: times, place, trades. No member's contact or activity."""
    held = Member.objects.seated_in(chapter)
    trades_held = sorted(set(held.values_list("classification__name", flat=True)))
    spheres = held.exclude(classification__sphere__isnull=True).values("classification__sphere")
    wanted = (
        Classification.objects.filter(sphere__in=spheres)
        .exclude(Q(pk__in=held.values("classification")))
        .order_by("name")
        .values_list("name", flat=True)
    )
    next_meetings = list(
        Meeting.objects.filter(
            chapter=chapter, date__gte=chapter.today(), cancelled=False
        ).order_by("date")[:4]
    )
    return PublicChapter(
        chapter=chapter,
        next_meetings=next_meetings,
        trades_held=trades_held,
        trades_wanted=list(wanted),
    )
