"""``attendance.csv`` and ``visitors.csv`` for ``import_chapter`` (DOMAIN.md file formats)."""

from django.db.models import F

from members.importing import (
    CsvFile,
    FileReport,
    ImportContext,
    KeyedCsvFile,
    Limits,
    NewRow,
    RowError,
    register,
)
from members.models import Member
from members.text import clean_text

from .models import Attendance, Meeting, Visit, Visitor
from .services import meeting_start

MARKS = frozenset(Attendance.Mark.values)  # read once: the enum builds the list on each read
VISITOR_LIMITS = Limits(Visitor)


@register
class AttendanceFile(KeyedCsvFile):
    """One mark per row; natural key (meeting_date, member_email).

    The chapter's meetings and marks are loaded once and the rows written in bulk, so a
    file of years of attendance imports in a few queries.
    """

    filename = "attendance.csv"
    columns = ("meeting_date", "member_email", "mark", "substitute_name")
    required = ("meeting_date", "member_email", "mark")
    order = 10
    model = Attendance

    def existing(self, ctx: ImportContext) -> dict:
        self.meetings = {m.date: m for m in Meeting.objects.filter(chapter=ctx.chapter)}
        marks = Attendance.objects.filter(meeting__chapter=ctx.chapter).annotate(
            meeting_date=F("meeting__date")
        )
        return {(a.meeting_date, a.member_id): a for a in marks.order_by("pk")}

    def parse(self, ctx: ImportContext, row: dict[str, str]) -> tuple[tuple, dict]:
        day = self.date(row, "meeting_date")
        member = ctx.member(row.get("member_email", ""))
        raw_mark = (row.get("mark") or "").strip().upper()
        if raw_mark not in MARKS:
            raise RowError(f"mark {row.get('mark', '')!r} is not one of P, A, L, M, S")
        substitute = clean_text(row.get("substitute_name") or "")
        if raw_mark == Attendance.Mark.SUBSTITUTE and not substitute:
            raise RowError("substitute_name is empty: an S mark needs the substitute's name")
        if len(substitute) > 120:
            raise RowError("substitute_name is longer than 120 characters")
        if raw_mark != Attendance.Mark.SUBSTITUTE:
            substitute = ""
        if not member.belongs_on(day):
            raise RowError(f"{member.email} did not belong to the chapter on {day.isoformat()}")
        meeting = self.meetings.get(day)
        if meeting is not None and meeting.cancelled:
            raise RowError(f"the meeting on {day.isoformat()} was cancelled: it takes no marks")
        return (day, member.pk), {"mark": raw_mark, "substitute_name": substitute}

    def build(self, ctx: ImportContext, key: tuple, values: dict) -> NewRow:
        return NewRow(member_id=key[1], meeting_date=key[0], **values)

    def before_write(self, ctx: ImportContext, created: list, updated: list) -> None:
        """Create the meetings new marks are for (one per date), then point the marks at them."""
        new_dates = sorted({a.meeting_date for _, a in created} - self.meetings.keys())
        Meeting.objects.bulk_create(
            [
                Meeting(chapter=ctx.chapter, date=day, starts_at=meeting_start(ctx.chapter, day))
                for day in new_dates
            ]
        )
        self.meetings.update(
            (m.date, m) for m in Meeting.objects.filter(chapter=ctx.chapter, date__in=new_dates)
        )
        for _, attendance in created:
            attendance.meeting_id = self.meetings[attendance.meeting_date].pk


@register
class VisitorsFile(CsvFile):
    """Each row a visit that happened; natural key (meeting_date, email or else name).

    The chapter's meetings, visitors and visits are loaded once and new rows written in bulk.
    """

    filename = "visitors.csv"
    columns = ("meeting_date", "name", "email", "company", "invited_by_email")
    required = ("meeting_date", "name")
    order = 20
    changes_members = False

    def parse(self, ctx: ImportContext, row: dict[str, str]) -> tuple:
        day = self.date(row, "meeting_date")
        name = clean_text(row.get("name") or "")  # as the visitor forms store it
        if not name:
            raise RowError("name is empty")
        if len(name) > 120:
            raise RowError("name is longer than 120 characters")
        email = (row.get("email") or "").strip().lower()
        if email and "@" not in email:
            raise RowError(f"email {email!r} is not an email address")
        invited_by: Member | None = None
        if (row.get("invited_by_email") or "").strip():
            invited_by = ctx.member(row["invited_by_email"], column="invited_by_email")
        company = clean_text(row.get("company") or "")[:150]
        VISITOR_LIMITS.check({"name": name, "email": email, "company": company})
        return day, name, email, company, invited_by

    def import_rows(self, ctx: ImportContext, rows, report: FileReport) -> None:
        meetings = {m.date: m for m in Meeting.objects.filter(chapter=ctx.chapter)}
        by_pk, by_email, by_name = {}, {}, {}
        for visitor in Visitor.objects.filter(chapter=ctx.chapter).order_by("pk"):
            by_pk[visitor.pk] = visitor
            if visitor.email:
                by_email.setdefault(visitor.email.lower(), visitor)
            by_name.setdefault(clean_text(visitor.name).lower(), visitor)
        dates = {m.pk: m.date for m in meetings.values()}
        visits = {
            (id(by_pk[v.visitor_id]), dates[v.meeting_id]): v
            for v in Visit.objects.filter(meeting__chapter=ctx.chapter)
        }
        new_visitors, new_visits, changed_visitors, changed_visits = [], [], {}, {}
        for line, row in rows:
            try:
                day, name, email, company, invited_by = self.parse(ctx, row)
                meeting = meetings.get(day)
                if meeting is not None and meeting.cancelled:
                    raise RowError(
                        f"the meeting on {day.isoformat()} was cancelled: nobody visited"
                    )
            except RowError as exc:
                report.problem(line, exc)
                continue
            visitor = by_email.get(email) if email else by_name.get(name.lower())
            outcome = "unchanged"
            if visitor is None:
                visitor = Visitor(
                    chapter=ctx.chapter,
                    name=name,
                    email=email,
                    company=company,
                    status=Visitor.Status.ATTENDED,
                )
                new_visitors.append(visitor)
                if email:
                    by_email[email] = visitor
                by_name.setdefault(name.lower(), visitor)
                outcome = "created"
            elif visitor.status == Visitor.Status.INVITED:
                visitor.status = Visitor.Status.ATTENDED
                if visitor.pk:
                    changed_visitors[visitor.pk] = visitor
                outcome = "updated"
            visit = visits.get((id(visitor), day))
            if visit is None:
                visit = Visit(visitor=visitor, invited_by=invited_by, attended=True)
                visit.meeting_date = day
                visits[(id(visitor), day)] = visit
                new_visits.append(visit)
                outcome = "created"
            elif not visit.attended or visit.invited_by_id != (invited_by and invited_by.pk):
                visit.attended, visit.invited_by = True, invited_by
                if visit.pk:
                    changed_visits[visit.pk] = visit
                outcome = "updated"
            report.done(outcome)
        if report.problems:
            return  # nothing will be stored: skip the writes
        new_dates = sorted({v.meeting_date for v in new_visits} - meetings.keys())
        Meeting.objects.bulk_create(
            [
                Meeting(chapter=ctx.chapter, date=day, starts_at=meeting_start(ctx.chapter, day))
                for day in new_dates
            ]
        )
        meetings.update(
            (m.date, m) for m in Meeting.objects.filter(chapter=ctx.chapter, date__in=new_dates)
        )
        Visitor.objects.bulk_create(new_visitors)
        Visitor.objects.bulk_update(changed_visitors.values(), ["status"])
        for visit in new_visits:
            visit.visitor = visit.visitor  # now that the new visitor has its primary key
            visit.meeting = meetings[visit.meeting_date]
        Visit.objects.bulk_create(new_visits)
        Visit.objects.bulk_update(changed_visits.values(), ["attended", "invited_by"])
