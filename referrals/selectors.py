"""Reads the slip pages share. Each returns everything a page needs in a fixed number of
queries, however many slips a member has (the tests pin the counts at 5 and 500 slips)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from meetings.models import Attendance, Meeting
from meetings.weeks import week_bounds
from members.models import Member
from members.selectors import member_pk

from .lists import Part, Rows, SlipList, fetch_apart, member_money
from .models import Ceu, OneToOne, Referral, SlipCorrection, Testimonial, Tyfcb

SIX_MONTHS = dt.timedelta(weeks=26)
DASHBOARD_LIST = 20  # rows per dashboard list; the page links to the full lists
DASHBOARD_WAITING = 5  # the oldest referrals waiting for an update; the inbox has them all
DASHBOARD_NEXT = 5  # the next planned 1-2-1s
ZERO = Decimal("0.00")

MEMBER_PEOPLE = ("user", "classification")


def six_month_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last 26 weeks ending today, both ends inclusive (as the traffic lights count)."""
    return today - SIX_MONTHS + dt.timedelta(days=1), today


def person_joins(*who: str) -> tuple[str, ...]:
    """``select_related`` paths for members a page names: each with their user and their
    chapter, whose name labels a member of another chapter (``{% party %}``). A side that
    may be empty (someone outside Slipstream) is a LEFT JOIN: the slip still comes back."""
    return tuple(f"{w}__{related}" for w in who for related in ("user", "chapter"))


def referrals_for(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    return queryset.select_related(*person_joins("giver", "receiver"))


def one_to_ones_for(queryset: QuerySet[OneToOne]) -> QuerySet[OneToOne]:
    return queryset.select_related(*person_joins("member_a", "member_b"))


#: What a list row shows of a member: the name (or the email when there is none).
NAME_FIELDS = ("user__first_name", "user__last_name", "user__email")


# --- The member's dashboard -----------------------------------------------------------------


@dataclass
class WeekSlips:
    start: dt.date
    end: dt.date
    # Each list's rows as the database gave them too (``Rows.each``): the dashboard keeps a
    # line per row (``pages.kept.drawn_each``).
    referrals: Rows
    tyfcbs: Rows
    one_to_ones: Rows
    ceus: Rows
    testimonials: Rows


@dataclass
class Dashboard:
    member: Member
    today: dt.date
    week: WeekSlips
    waiting: Rows
    waiting_count: int
    next_one_to_ones: Rows
    window: tuple[dt.date, dt.date]
    business_received: Decimal
    business_generated: Decimal
    counts: dict[str, int] = field(default_factory=dict)


# The dashboard's lists: read on every visit to the home page after a write to the chapter,
# so each reads only the columns its rows show, and all of them come in one statement
# (``referrals.lists.fetch_apart``). ``tests/referrals/test_lists.py`` holds each to its ORM
# twin.
_PLANNED, _CLOSED = OneToOne.Status.PLANNED, list(Referral.CLOSED)
_NEWEST = "s.date DESC, s.id DESC"  # the slips' own ordering
_WEEK = "s.date >= %s AND s.date <= %s"
_ONE_TO_ONES = SlipList(OneToOne, ("member_a", "member_b"), ("time", "place", "status"))
#: The week's referrals and those waiting for the member's update: one shape, one round trip.
_REFERRALS = SlipList(Referral, ("giver", "receiver"), ("contact_name", "status"))
_TYFCBS = SlipList(Tyfcb, ("writer", "thanked"), ("amount",))
_CEUS = SlipList(Ceu, fields=("member", "topic", "credits"))
_TESTIMONIALS = SlipList(Testimonial, ("giver", "receiver"))


def _naming(model, member_id: int) -> tuple[str, list]:
    """SQL for "``member_id`` is one of the slip's parties" (``SlipQuerySet.naming``)."""
    columns = [model._meta.get_field(name).column for name in model.parties]
    return "(" + " OR ".join(f"s.{c} = %s" for c in columns) + ")", [member_id] * len(columns)


@dataclass
class DashboardLists:
    """The dashboard's lists, read in one round trip (``referrals.lists.fetch_apart``)."""

    week_one_to_ones: Rows  # newest first
    next_one_to_ones: Rows  # the next planned, soonest first
    week_referrals: Rows  # newest first
    waiting: Rows  # the oldest waiting for the member's update; ``total`` counts them all
    tyfcbs: Rows
    ceus: Rows
    testimonials: Rows


def _week_part(slips: SlipList, member_id: int, start: dt.date, end: dt.date) -> tuple:
    naming, params = _naming(slips.model, member_id)
    return slips, Part(f"{naming} AND {_WEEK}", [*params, start, end], _NEWEST, DASHBOARD_LIST)


def _dashboard_lists(
    member_id: int, start: dt.date, end: dt.date, today: dt.date
) -> DashboardLists:
    """Every list the dashboard shows, for the week ``start``-``end``: one query. The
    dashboard is drawn again after each slip the member logs, so its round trips count."""
    naming, params = _naming(OneToOne, member_id)
    next_one_to_ones = Part(
        f"{naming} AND s.status = %s AND s.date >= %s",
        [*params, _PLANNED, today],
        "s.date, s.time, s.id",
        DASHBOARD_NEXT,
    )
    waiting = Part(
        _OPEN_FOR,
        [Referral.Source.LOGGED, member_id, *_CLOSED],
        "s.date, s.id",
        DASHBOARD_WAITING,
        total=True,
    )
    return DashboardLists(
        *fetch_apart(
            _week_part(_ONE_TO_ONES, member_id, start, end),
            (_ONE_TO_ONES, next_one_to_ones),
            _week_part(_REFERRALS, member_id, start, end),
            (_REFERRALS, waiting),
            _week_part(_TYFCBS, member_id, start, end),
            _week_part(_CEUS, member_id, start, end),
            _week_part(_TESTIMONIALS, member_id, start, end),
        )
    )


#: A referral waiting for its receiver: logged in Slipstream (``SlipQuerySet.logged``), not
#: closed.
_OPEN_FOR = "s.source = %s AND s.receiver_id = %s AND s.status NOT IN (%s, %s, %s)"


def member_dashboard(member: Member, today: dt.date) -> Dashboard:
    """This week's slips, referrals waiting for an update, next 1-2-1s and six-month totals."""
    start, end = week_bounds(member.chapter, today)
    lists = _dashboard_lists(member.pk, start, end, today)
    week = WeekSlips(
        start=start,
        end=end,
        referrals=lists.week_referrals,
        tyfcbs=lists.tyfcbs,
        one_to_ones=lists.week_one_to_ones,
        ceus=lists.ceus,
        testimonials=lists.testimonials,
    )
    waiting = lists.waiting
    waiting_count = waiting.total
    next_one_to_ones = lists.next_one_to_ones
    window = six_month_window(today)
    money = member_money(member.pk, *window)
    # Referral, 1-2-1, CEU and testimonial counts come from PALMS (reports) on the home page.
    counts = {"tyfcbs_written": money["written"], "tyfcbs_thanked": money["thanked"]}
    return Dashboard(
        member=member,
        today=today,
        week=week,
        waiting=waiting,
        waiting_count=waiting_count,
        next_one_to_ones=next_one_to_ones,
        window=window,
        business_received=money["received"],
        business_generated=money["generated"],
        counts=counts,
    )


# --- Closing the loop -----------------------------------------------------------------------

CLOSED_SHOWN = 5
INBOX_FIELDS = (
    "receiver_id",
    "contact_name",
    "contact_phone",
    "contact_email",
    "need",
    "temperature",
    "kind",
    "status",
)
OPEN_PER_PAGE = 10  # cards with a note and status buttons: ten fill a phone's screen twice


@dataclass
class Inbox:
    """One page of the open referrals passed to a member (oldest first), and the latest closed."""

    open: Rows
    open_total: int
    page: int
    pages: int
    closed: Rows

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    @property
    def drawn_from(self) -> tuple:
        """Everything the inbox shows, as the database gave it (``pages.kept.drawn_from``)."""
        return (self.open.raw, self.closed.raw, self.open_total, self.page, self.pages)


_RECEIVED = SlipList(Referral, ("giver",), INBOX_FIELDS)


def _open_page_and_closed(page: int, member_id: int) -> tuple[list, list]:
    """A page of the open referrals passed to the member (oldest first, each row carrying
    the count of all that are open) and the latest closed: one query."""
    open_ = Part(
        _OPEN_FOR,
        [Referral.Source.LOGGED, member_id, *_CLOSED],
        "s.date, s.id",
        OPEN_PER_PAGE,
        offset=(page - 1) * OPEN_PER_PAGE,
        total=True,
    )
    closed = Part(
        "s.source = %s AND s.receiver_id = %s AND s.status IN (%s, %s, %s)",
        [Referral.Source.LOGGED, member_id, *_CLOSED],
        _NEWEST,
        CLOSED_SHOWN,
    )
    return fetch_apart((_RECEIVED, open_), (_RECEIVED, closed))


def inbox(member: Member, page: int = 1) -> Inbox:
    """Referrals passed to ``member``: a page of the open ones and the latest closed.

    A page, not every open referral: a member with two years of unanswered referrals must not
    make the page grow. The total rides on the page's rows as a window count (one query); a
    page past the end shows the first.
    """
    page = max(page, 1)
    open_, closed = _open_page_and_closed(page, member.pk)
    if not open_ and page > 1:
        return inbox(member, 1)
    total = open_.total
    pages = max(1, -(-total // OPEN_PER_PAGE))
    return Inbox(open=open_, open_total=total, page=page, pages=pages, closed=closed)


def with_history(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    from .models import ReferralStatusChange

    return referrals_for(queryset).prefetch_related(
        Prefetch(
            "history",
            queryset=ReferralStatusChange.objects.select_related("changed_by"),
        )
    )


def given(member: Member) -> QuerySet[Referral]:
    """Referrals ``member`` gave, newest first, each with its status history."""
    return with_history(Referral.objects.filter(giver=member)).order_by("-date", "-id")


# --- Who to meet next -----------------------------------------------------------------------


def suggestions(member: Member) -> QuerySet[Member]:
    """Seated members ``member`` has never had a done 1-2-1 with (their contact sphere first),
    then those met longest ago. One query: the last meeting date is a subquery."""
    done = OneToOne.objects.filter(status=OneToOne.Status.DONE)
    last_met = Subquery(
        done.filter(
            Q(member_a=member, member_b=OuterRef("pk"))
            | Q(member_b=member, member_a=OuterRef("pk"))
        )
        .order_by("-date")
        .values("date")[:1]
    )
    sphere_id = member.classification.sphere_id
    same_sphere = (
        Case(
            When(classification__sphere_id=sphere_id, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        if sphere_id
        else Value(1, output_field=IntegerField())
    )
    return (
        Member.objects.seated_in(member.chapter)
        .exclude(pk=member.pk)
        .select_related("user", "classification__sphere")
        .annotate(last_met=last_met, sphere_rank=same_sphere)
        .order_by(
            Case(When(last_met__isnull=True, then=Value(0)), default=Value(1)),
            "last_met",
            "sphere_rank",
            "user__first_name",
            "user__last_name",
        )
    )


# --- Member search (the picker) ---------------------------------------------------------------


def _colleagues(chapter_id, member_id=None):
    members = Member.objects.filter(chapter_id=chapter_id, status__in=list(Member.SEATED))
    if member_id is not None:
        members = members.exclude(pk=member_id)
    return (
        members.select_related("user", "classification")
        # What a picker line shows (``full_name · trade``): not all 40 columns of three tables.
        .only("pk", "chapter_id", *NAME_FIELDS, "classification__name")
        .order_by("user__first_name", "user__last_name")
    )


def member_choices(
    member: Member, query: str = "", *, with_self: bool = False
) -> list[Member] | QuerySet[Member]:
    """The members ``member`` may name on a slip: seated in the chapter, not themself (with
    ``with_self``, themself too: a list drawn once for the whole chapter)."""
    words = query.split()[:4]
    excluded = None if with_self else member.pk
    if not words:
        return list(_colleagues(member.chapter_id, excluded))
    members = _colleagues(member.chapter_id, excluded)
    for word in words:
        members = members.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(company__icontains=word)
            | Q(classification__name__icontains=word)
        )
    return members


#: What ``slip_member`` reads beside the member: their chapter's latest submitted meeting.
LATEST_SUBMITTED = "chapter_latest_submitted"


def slip_member(chapter_id: int, pk: str | int) -> Member | None:
    """The member ``pk`` of the chapter whom a slip being logged names, or None: anything
    that is not such an id is simply not found. Their row only (the slip checks them; the
    service names them, loading their name, only if it refuses), and with it the chapter's
    latest submitted meeting, so the week's lock costs no query of its own
    (``meetings.weeks.open_date_for``)."""
    found = member_pk(pk)
    if found is None:
        return None
    member = next(iter(Member.objects.raw(_SLIP_MEMBER_SQL, [chapter_id, found])), None)
    latest = getattr(member, LATEST_SUBMITTED, None)
    if isinstance(latest, str):  # SQLite hands dates back as text
        setattr(member, LATEST_SUBMITTED, dt.date.fromisoformat(latest))
    return member


#: ``slip_member``'s one query, written as SQL: every slip logged asks it, and the ORM took
#: longer to build the filtered member with its subquery than the database took to answer.
_MEETING, _MEMBER = Meeting._meta.db_table, Member._meta.db_table
_SLIP_MEMBER_SQL = (
    f"SELECT m.*, (SELECT s.date FROM {_MEETING} s WHERE s.chapter_id = m.chapter_id"  # noqa: S608
    f" AND s.submitted_at IS NOT NULL ORDER BY s.date DESC LIMIT 1) AS {LATEST_SUBMITTED}"
    f" FROM {_MEMBER} m WHERE m.chapter_id = %s AND m.id = %s"
)


# --- The week, for the vice-president -------------------------------------------------------


@dataclass
class WeekReport:
    meeting: Meeting
    start: dt.date
    end: dt.date
    referrals: list[Referral]
    tyfcbs: list[Tyfcb]
    one_to_ones: list[OneToOne]
    ceus: list[Ceu]
    testimonials: list[Testimonial]
    attendance: list[Attendance]
    corrections: list[SlipCorrection]
    tyfcb_total: Decimal
    #: Thank-yous logged in the week that thank a member of another chapter: theirs to read.
    tyfcbs_elsewhere: int = 0

    @property
    def mark_counts(self) -> dict[str, int]:
        counts = {mark: 0 for mark in Attendance.Mark.values}
        for row in self.attendance:
            counts[row.mark] += 1
        return counts


def week_report(meeting: Meeting) -> WeekReport:
    """Everything logged in a meeting's week, for the vice-president's review.

    The week's slips are those logged in the chapter (``Slip.chapter``), the ones its
    vice-president submits and corrects, whoever the other party is: a referral a member
    gave to a member of another chapter is here; one received from another chapter belongs
    to the giver's chapter's week (it still counts in this chapter's PALMS). A thank-you is
    confidential to the leaders of the chapter whose PALMS counts it (``Tyfcb.led_in``), so
    one thanking a member of another chapter is left out of the list and the total: the
    report says only how many there are, without names or amounts.
    """
    chapter = meeting.chapter
    start, end = week_bounds(chapter, meeting.date)

    def of_week(model):
        return model.objects.filter(chapter=chapter).between(start, end).order_by("date", "id")

    tyfcbs = list(
        of_week(Tyfcb)
        .select_related(*person_joins("writer", "thanked"))
        .annotate(readable=ExpressionWrapper(Tyfcb.led_in(chapter.pk), BooleanField()))
    )
    readable = [t for t in tyfcbs if t.readable]
    return WeekReport(
        meeting=meeting,
        start=start,
        end=end,
        referrals=list(referrals_for(of_week(Referral))),
        tyfcbs=readable,
        tyfcbs_elsewhere=len(tyfcbs) - len(readable),
        one_to_ones=list(one_to_ones_for(of_week(OneToOne))),
        ceus=list(of_week(Ceu).select_related("member__user")),
        testimonials=list(of_week(Testimonial).select_related(*person_joins("giver", "receiver"))),
        attendance=list(
            Attendance.objects.filter(meeting=meeting)
            .select_related("member__user")
            .order_by("member__user__first_name", "member__user__last_name")
        ),
        corrections=list(
            SlipCorrection.objects.filter(chapter=chapter, week_ending=end).select_related(
                "corrected_by"
            )
        ),
        tyfcb_total=sum((t.amount for t in readable), ZERO),
    )


def weeks_to_submit(chapter) -> QuerySet[Meeting]:
    """Recent held meetings, newest first, for the week picker."""
    return Meeting.objects.filter(chapter=chapter).held().order_by("-date")


def default_week(chapter, today: dt.date) -> Meeting | None:
    """The latest meeting that has taken place and is not yet submitted."""
    meetings = weeks_to_submit(chapter).filter(submitted_at__isnull=True)
    return meetings.filter(date__lte=today).first() or meetings.order_by("date").first()
