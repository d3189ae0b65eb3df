"""Writes of the meetings app: the calendar, the rota, attendance marks and visitors.

Each function is keyword-only and atomic; rules that can be broken by input raise
``ValidationError`` with a message meant for the person at the phone.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Calendar, Event

from members.models import Chapter, Classification, Member, Role

from .models import Attendance, AttendanceChange, Meeting, RotaPlace, Visit, Visitor

logger = logging.getLogger(__name__)

# --- The calendar ------------------------------------------------------------------------------


def meeting_start(chapter: Chapter, day: dt.date) -> dt.datetime:
    """The aware start of the chapter's meeting on ``day`` (zoneinfo gets DST right)."""
    return dt.datetime.combine(day, chapter.meeting_time, tzinfo=chapter.tz)


def next_meeting_dates(chapter: Chapter, *, weeks: int, today: dt.date) -> list[dt.date]:
    first = today + dt.timedelta(days=(chapter.meeting_weekday - today.weekday()) % 7)
    return [first + dt.timedelta(weeks=n) for n in range(weeks)]


@transaction.atomic
def ensure_upcoming_meetings(
    *, chapter: Chapter, weeks: int = 8, today: dt.date | None = None
) -> int:
    """Make sure the next ``weeks`` meetings exist (today's included); returns how many were new.

    Safe to run any number of times, even concurrently: the (chapter, date) unique
    constraint lets a second insert of the same week do nothing.
    """
    today = today or chapter.today()
    dates = next_meeting_dates(chapter, weeks=weeks, today=today)
    existing = set(
        Meeting.objects.filter(chapter=chapter, date__in=dates).values_list("date", flat=True)
    )
    Meeting.objects.bulk_create(
        [
            Meeting(chapter=chapter, date=day, starts_at=meeting_start(chapter, day))
            for day in dates
            if day not in existing
        ],
        ignore_conflicts=True,
    )
    assign_presenters(chapter=chapter, today=today)
    return len(set(dates) - existing)


def cancel_refusal(meeting: Meeting) -> str | None:
    """Why ``meeting`` cannot be cancelled, or None: the one rule, asked by the meeting's page
    before it offers the button and by ``cancel_meeting`` before it acts."""
    if meeting.attendances.exists():
        return gettext("Attendance is already recorded for this meeting; it cannot be cancelled.")
    return None


@transaction.atomic
def cancel_meeting(*, meeting: Meeting, reason: str) -> Meeting:
    """A holiday: no marks, no presenter; the rota moves on to the next held meeting."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("Say why the meeting is cancelled.")})
    if (refusal := cancel_refusal(meeting)) is not None:
        raise ValidationError({"reason": refusal})
    meeting.cancelled = True
    meeting.cancel_reason = reason[:200]
    meeting.presenter = None
    meeting.save(update_fields=["cancelled", "cancel_reason", "presenter"])
    assign_presenters(chapter=meeting.chapter, today=meeting.chapter.today(), reset=True)
    return meeting


# --- The presenter rota ------------------------------------------------------------------------


def rota_members(chapter: Chapter) -> list[Member]:
    """The rota in order, seated members only (a dropped member keeps no turn)."""
    return [
        place.member
        for place in RotaPlace.objects.filter(
            chapter=chapter, member__status__in=Member.SEATED
        ).select_related("member__user")
    ]


@transaction.atomic
def assign_presenters(*, chapter: Chapter, today: dt.date, reset: bool = False) -> None:
    """Give upcoming held meetings their presenters in rota order.

    The rota continues after the last presenter before today; with ``reset`` every upcoming
    meeting is reassigned (after the rota was reordered or a meeting cancelled), otherwise
    only meetings without a presenter get one.
    """
    rota = rota_members(chapter)
    upcoming = list(
        Meeting.objects.select_for_update()
        .filter(chapter=chapter, date__gte=today, cancelled=False)
        .order_by("date")
    )
    if not rota or not upcoming:
        return
    last = (
        Meeting.objects.filter(chapter=chapter, date__lt=today, presenter__isnull=False)
        .order_by("-date")
        .values_list("presenter_id", flat=True)
        .first()
    )
    ids = [m.pk for m in rota]
    start = (ids.index(last) + 1) if last in ids else 0
    turn = start
    changed = []
    for meeting in upcoming:
        if not reset and meeting.presenter_id is not None:
            if meeting.presenter_id in ids:
                turn = ids.index(meeting.presenter_id) + 1
            continue
        presenter = rota[turn % len(rota)]
        turn += 1
        if not presenter.on_leave_on(meeting.date) and meeting.presenter_id != presenter.pk:
            meeting.presenter = presenter
            changed.append(meeting)
    Meeting.objects.bulk_update(changed, ["presenter"])


@transaction.atomic
def add_to_rota(*, chapter: Chapter, member: Member) -> RotaPlace:
    top = RotaPlace.objects.filter(chapter=chapter).aggregate(top=Max("position"))["top"] or 0
    place, _ = RotaPlace.objects.get_or_create(
        member=member, defaults={"chapter": chapter, "position": top + 1}
    )
    return place


@transaction.atomic
def move_in_rota(*, chapter: Chapter, member: Member, up: bool) -> None:
    """Swap a member with the neighbour above (``up``) or below, then re-plan the presenters."""
    places = list(RotaPlace.objects.select_for_update().filter(chapter=chapter))
    mine = next((p for p in places if p.member_id == member.pk), None)
    if mine is None:
        raise ValidationError(gettext("This member is not on the rota."))
    index = places.index(mine)
    other_index = index - 1 if up else index + 1
    if not 0 <= other_index < len(places):
        return
    other = places[other_index]
    # (chapter, position) is unique: park one row on a free number while the two swap.
    parked = max(p.position for p in places) + 1
    mine_position, other_position = mine.position, other.position
    RotaPlace.objects.filter(pk=mine.pk).update(position=parked)
    RotaPlace.objects.filter(pk=other.pk).update(position=mine_position)
    RotaPlace.objects.filter(pk=mine.pk).update(position=other_position)
    assign_presenters(chapter=chapter, today=chapter.today(), reset=True)


@transaction.atomic
def remove_from_rota(*, chapter: Chapter, member: Member) -> None:
    RotaPlace.objects.filter(chapter=chapter, member=member).delete()
    assign_presenters(chapter=chapter, today=chapter.today(), reset=True)


# --- Attendance --------------------------------------------------------------------------------


def default_mark(member: Member, day: dt.date) -> str:
    """The mark a member gets unless told otherwise: ``M`` on leave, else ``P``."""
    return Attendance.Mark.MEDICAL if member.on_leave_on(day) else Attendance.Mark.PRESENT


def check_attendance_open(meeting: Meeting) -> None:
    """Marks are for held meetings whose day has come (the chapter's today, or before)."""
    if meeting.cancelled:
        raise ValidationError(gettext("This meeting was cancelled: it takes no attendance."))
    if not meeting.attendance_open(meeting.chapter.today()):
        raise ValidationError(
            gettext("Attendance for the meeting of %(date)s opens on that day.")
            % {"date": f"{meeting.date:%a %d %b %Y}"}
        )


def check_markable(*, meeting: Meeting, member: Member, by) -> None:
    """The rules of DOMAIN.md for one mark; raises with a message naming the problem."""
    check_attendance_open(meeting)
    if member.chapter_id != meeting.chapter_id:
        raise ValidationError(
            gettext("%(member)s is not a member of %(chapter)s.")
            % {"member": member, "chapter": meeting.chapter}
        )
    if not member.belongs_on(meeting.date):
        raise ValidationError(
            gettext("%(member)s did not belong to the chapter on %(date)s: no mark.")
            % {"member": member, "date": f"{meeting.date:%d %b %Y}"}
        )
    if by is not None and getattr(by, "pk", None) == member.user_id:
        raise ValidationError(gettext("Members may not mark themselves; ask another leader."))


@transaction.atomic
def record_attendance(
    *, meeting: Meeting, member: Member, mark: str, substitute_name: str = "", by
) -> Attendance:
    """Store a member's mark for a meeting: an upsert on (meeting, member), safe under races.

    Two leaders tapping at once both run ``INSERT … ON CONFLICT DO UPDATE``; the unique
    constraint leaves one row and the later tap wins. After the week is submitted each
    change is also written to ``AttendanceChange`` (who, when, from, to).
    """
    substitute_name = (substitute_name or "").strip()
    if mark not in Attendance.Mark.values:
        raise ValidationError(
            {"mark": gettext("%(mark)r is not one of P, A, L, M, S.") % {"mark": mark}}
        )
    if mark == Attendance.Mark.SUBSTITUTE and not substitute_name:
        raise ValidationError({"substitute_name": gettext("Name the substitute for an S mark.")})
    if mark != Attendance.Mark.SUBSTITUTE:
        substitute_name = ""
    check_markable(meeting=meeting, member=member, by=by)
    # Only a submitted week logs its changes, so only then is the mark before read (locked).
    before = (
        Attendance.objects.select_for_update()
        .filter(meeting=meeting, member=member)
        .values_list("mark", "substitute_name")
        .first()
        if meeting.is_submitted
        else None
    )
    (attendance,) = Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=meeting,
                member=member,
                mark=mark,
                substitute_name=substitute_name,
                recorded_by=by,
            )
        ],
        update_conflicts=True,
        unique_fields=["meeting", "member"],
        update_fields=["mark", "substitute_name", "recorded_by", "updated_at"],
    )
    if attendance.pk is None:  # backends that do not return ids from an upsert
        attendance = Attendance.objects.get(meeting=meeting, member=member)
    if meeting.is_submitted and before != (mark, substitute_name):
        AttendanceChange.objects.create(
            attendance=attendance,
            changed_by=by,
            from_mark=before[0] if before else "",
            to_mark=mark,
            from_substitute=before[1] if before else "",
            to_substitute=substitute_name,
        )
    return attendance


@transaction.atomic
def mark_everyone_present(*, meeting: Meeting, by) -> int:
    """Write the default mark (P, or M on leave) for every belonging member not yet marked.

    Members already marked keep their mark; the person saving is skipped, as nobody marks
    themselves. Returns how many marks were written.
    """
    check_attendance_open(meeting)
    marked = set(meeting.attendances.values_list("member_id", flat=True))
    rows = [
        Attendance(
            meeting=meeting, member=member, mark=default_mark(member, meeting.date), recorded_by=by
        )
        for member in Member.objects.filter(chapter=meeting.chapter).belonging_on(meeting.date)
        if member.pk not in marked and member.user_id != getattr(by, "pk", None)
    ]
    created = Attendance.objects.bulk_create(rows, ignore_conflicts=True)
    if meeting.is_submitted:
        stored = Attendance.objects.filter(
            meeting=meeting, member_id__in=[row.member_id for row in rows]
        )
        AttendanceChange.objects.bulk_create(
            AttendanceChange(attendance=a, changed_by=by, to_mark=a.mark) for a in stored
        )
    return len(created)


# --- Visitors ----------------------------------------------------------------------------------

VISITS_BEFORE_APPLYING = 2
FOLLOW_UP = {
    Visitor.Status.INVITED: {Visitor.Status.ATTENDED, Visitor.Status.NOT_INTERESTED},
    Visitor.Status.ATTENDED: {Visitor.Status.APPLIED, Visitor.Status.NOT_INTERESTED},
    Visitor.Status.APPLIED: {Visitor.Status.JOINED, Visitor.Status.NOT_INTERESTED},
    Visitor.Status.JOINED: set(),
    Visitor.Status.NOT_INTERESTED: {Visitor.Status.INVITED},
}


def trade_held(chapter: Chapter, classification: Classification | None) -> bool:
    if classification is None:
        return False
    return Member.objects.seated_in(chapter).filter(classification=classification).exists()


def visits_counted(visitor: Visitor, today: dt.date) -> int:
    """Visits that count towards the two-before-applying rule: those that happened or are due."""
    return visitor.visits.filter(Q(attended=True) | Q(meeting__date__gte=today)).count()


@transaction.atomic
def register_visit(
    *,
    chapter: Chapter,
    meeting: Meeting,
    name: str,
    email: str = "",
    phone: str = "",
    company: str = "",
    classification: Classification | None = None,
    trade: str = "",
    invited_by: Member | None = None,
) -> Visit:
    """A visitor expected at a meeting: found again by email within the chapter, else created.

    A visitor may come at most twice before applying (DOMAIN.md): a third visit is refused
    unless they have applied (or joined).
    """
    email = (email or "").strip().lower()
    if meeting.chapter_id != chapter.pk:
        raise ValidationError({"meeting": gettext("Pick one of this chapter's meetings.")})
    if meeting.cancelled:
        raise ValidationError({"meeting": gettext("That meeting is cancelled; pick another.")})
    if meeting.date < chapter.today():
        raise ValidationError({"meeting": gettext("That meeting has already taken place.")})
    if invited_by is not None and invited_by.chapter_id != chapter.pk:
        raise ValidationError({"invited_by": gettext("Pick a member of this chapter.")})
    if classification is None and trade:
        classification = Classification.objects.filter(name__iexact=trade.strip()).first()
    visitor = None
    if email:
        visitor = (
            Visitor.objects.select_for_update()
            .filter(chapter=chapter, email__iexact=email)
            .order_by("pk")
            .first()
        )
    if visitor is None:
        visitor = Visitor.objects.create(
            chapter=chapter,
            name=name.strip(),
            email=email,
            phone=phone.strip(),
            company=company.strip(),
            classification=classification,
            trade=trade.strip(),
        )
    else:
        if visitor.visits.filter(meeting=meeting).exists():
            raise ValidationError(
                {
                    "meeting": gettext("%(name)s is already expected that day.")
                    % {"name": visitor.name}
                }
            )
        allowed = (Visitor.Status.APPLIED, Visitor.Status.JOINED)
        if (
            visits_counted(visitor, chapter.today()) >= VISITS_BEFORE_APPLYING
            and visitor.status not in allowed
        ):
            raise ValidationError(
                gettext(
                    "%(name)s has already visited twice. A visitor may come at most twice "
                    "before applying: ask them to apply first."
                )
                % {"name": visitor.name}
            )
        for attr, value in (("phone", phone), ("company", company), ("trade", trade)):
            if value and not getattr(visitor, attr):
                setattr(visitor, attr, value.strip())
        if classification and not visitor.classification_id:
            visitor.classification = classification
        if visitor.status == Visitor.Status.NOT_INTERESTED:
            visitor.status = Visitor.Status.INVITED
        visitor.save()
    return Visit.objects.create(visitor=visitor, meeting=meeting, invited_by=invited_by)


@transaction.atomic
def set_visit_attended(*, visit: Visit, attended: bool) -> Visit:
    """The visitor host's tap: came or not; the visitor's follow-up moves invited → attended."""
    visit.attended = attended
    visit.save(update_fields=["attended"])
    visitor = Visitor.objects.select_for_update().get(pk=visit.visitor_id)
    if attended and visitor.status == Visitor.Status.INVITED:
        visitor.status = Visitor.Status.ATTENDED
        visitor.save(update_fields=["status"])
    elif (
        not attended
        and visitor.status == Visitor.Status.ATTENDED
        and not visitor.visits.filter(attended=True).exists()
    ):
        visitor.status = Visitor.Status.INVITED
        visitor.save(update_fields=["status"])
    visit.visitor = visitor
    return visit


@transaction.atomic
def change_visitor_status(*, visitor: Visitor, status: str) -> Visitor:
    allowed = FOLLOW_UP.get(visitor.status, set())
    if status not in allowed:
        target = Visitor.Status(status).label if status in Visitor.Status.values else status
        raise ValidationError(
            {
                "status": gettext("A visitor who is %(status)s cannot move to %(target)s.")
                % {"status": visitor.get_status_display().lower(), "target": target.lower()}
            }
        )
    visitor.status = status
    visitor.save(update_fields=["status"])
    return visitor


# --- The public "visit us" form ----------------------------------------------------------------


def meeting_ics(meeting: Meeting) -> bytes:
    """The meeting as an iCalendar file with its time zone, and a UID stable across emails."""
    chapter = meeting.chapter
    start = meeting.starts_at.astimezone(chapter.tz)
    calendar = Calendar()
    calendar.add("prodid", "-//Slipstream//Chapter meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@slipstream")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(minutes=chapter.meeting_minutes))
    event.add("summary", gettext("%(chapter)s chapter meeting") % {"chapter": chapter.name})
    location = chapter.venue or chapter.online_link
    if location:
        event.add("location", location)
    if chapter.online_link:
        event.add("url", chapter.online_link)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


#: Signs the meeting a guest registered for into the address of their confirmation page.
_REGISTERED_SALT = "meetings.public.registered"


def registration_token(meeting: Meeting) -> str:
    """The confirmation page's token for ``meeting``: it names the meeting and nothing else
    (not the guest), and cannot be made up for another one."""
    return signing.dumps(meeting.pk, salt=_REGISTERED_SALT)


def registered_meeting(*, chapter: Chapter, token: str) -> Meeting | None:
    """The meeting a confirmation token names, if it is ``chapter``'s and still held."""
    try:
        pk = signing.loads(token, salt=_REGISTERED_SALT)
    except signing.BadSignature:
        return None
    return (
        Meeting.objects.select_related("chapter")
        .filter(pk=pk, chapter=chapter, cancelled=False)
        .first()
    )


def _leaders_to_notify(chapter: Chapter) -> list[str]:
    today = chapter.today()
    roles = Role.objects.current(today).filter(
        member__chapter=chapter,
        member__status__in=Member.SEATED,
        name__in=[Role.Name.VISITOR_HOST, Role.Name.PRESIDENT],
    )
    return sorted(set(roles.values_list("member__user__email", flat=True)))


@transaction.atomic
def register_guest(
    *,
    chapter: Chapter,
    meeting: Meeting,
    name: str,
    email: str,
    phone: str = "",
    company: str = "",
    trade: str = "",
    invited_by: Member | None = None,
) -> Visit:
    """A guest signs up on the public page: a visit, a confirmation with the .ics, a heads-up.

    The emails go out only once the transaction commits, so a failure stores nothing and
    sends nothing.
    """
    visit = register_visit(
        chapter=chapter,
        meeting=meeting,
        name=name,
        email=email,
        phone=phone,
        company=company,
        trade=trade,
        invited_by=invited_by,
    )
    transaction.on_commit(lambda: _send_guest_emails(visit.pk))
    return visit


def _send_or_log(message: EmailMessage, what: str) -> None:
    """The visit is stored and the guest sees their confirmation page (with its .ics) even when
    the mail server refuses: a failure is logged for the operator, never a 500 to the guest."""
    try:
        message.send()
    except Exception:
        logger.exception("could not send the %s", what)


def _send_guest_emails(visit_pk: int) -> None:
    visit = Visit.objects.select_related("visitor", "meeting__chapter", "invited_by__user").get(
        pk=visit_pk
    )
    meeting, visitor, chapter = visit.meeting, visit.visitor, visit.meeting.chapter
    context = {
        "visit": visit,
        "visitor": visitor,
        "meeting": meeting,
        "chapter": chapter,
        "starts_at": meeting.starts_at.astimezone(chapter.tz),
        "visitor_url": settings.SITE_URL + reverse("meetings:visitor_detail", args=[visitor.pk]),
        "confirmation_url": settings.SITE_URL
        + reverse("meetings:public_registered", args=[chapter.slug, registration_token(meeting)]),
    }
    confirmation = EmailMultiAlternatives(
        subject=gettext("You are expected at %(chapter)s on %(day)s")
        % {"chapter": chapter.name, "day": f"{context['starts_at']:%A %d %B}"},
        body=render_to_string("meetings/email/guest_confirmation.txt", context),
        to=[visitor.email],
    )
    confirmation.attach_alternative(
        render_to_string("meetings/email/guest_confirmation.html", context), "text/html"
    )
    confirmation.attach("meeting.ics", meeting_ics(meeting), "text/calendar")
    _send_or_log(confirmation, "guest's confirmation")
    hosts = _leaders_to_notify(chapter)
    if hosts:
        message = EmailMessage(
            subject=gettext("New visitor for %(day)s: %(name)s")
            % {"day": f"{meeting.date:%d %b}", "name": visitor.name},
            body=render_to_string("meetings/email/guest_for_hosts.txt", context),
            to=hosts,
        )
        _send_or_log(message, "hosts' new-visitor email")
