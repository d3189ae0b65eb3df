"""``attendance.csv`` and ``visitors.csv`` for ``import_chapter`` (DOMAIN.md file formats)."""

import datetime as dt

from members.importing import CsvFile, ImportContext, RowError, register
from members.models import Member

from .models import Attendance, Meeting, Visit, Visitor
from .services import meeting_start


def _meeting_on(ctx: ImportContext, day: dt.date) -> Meeting:
    """The chapter's meeting on ``day``, created (starting at the chapter's time) if new."""
    meeting, _ = Meeting.objects.get_or_create(
        chapter=ctx.chapter, date=day, defaults={"starts_at": meeting_start(ctx.chapter, day)}
    )
    return meeting


@register
class AttendanceFile(CsvFile):
    """One mark per row; natural key (meeting_date, member_email)."""

    filename = "attendance.csv"
    columns = ("meeting_date", "member_email", "mark", "substitute_name")
    required = ("meeting_date", "member_email", "mark")
    order = 10

    def import_row(self, ctx: ImportContext, row: dict[str, str]) -> str:
        day = self.date(row, "meeting_date")
        member = ctx.member(row.get("member_email", ""))
        raw_mark = (row.get("mark") or "").strip().upper()
        if raw_mark not in Attendance.Mark.values:
            raise RowError(f"mark {row.get('mark', '')!r} is not one of P, A, L, M, S")
        substitute = (row.get("substitute_name") or "").strip()
        if raw_mark == Attendance.Mark.SUBSTITUTE and not substitute:
            raise RowError("substitute_name is empty: an S mark needs the substitute's name")
        if raw_mark != Attendance.Mark.SUBSTITUTE:
            substitute = ""
        if not member.belongs_on(day):
            raise RowError(f"{member.email} did not belong to the chapter on {day.isoformat()}")
        meeting = _meeting_on(ctx, day)
        if meeting.cancelled:
            raise RowError(f"the meeting on {day.isoformat()} was cancelled: it takes no marks")
        attendance = Attendance.objects.filter(meeting=meeting, member=member).first()
        if attendance is None:
            Attendance.objects.create(
                meeting=meeting, member=member, mark=raw_mark, substitute_name=substitute
            )
            return "created"
        if (attendance.mark, attendance.substitute_name) == (raw_mark, substitute):
            return "unchanged"
        attendance.mark, attendance.substitute_name = raw_mark, substitute
        attendance.save(update_fields=["mark", "substitute_name", "updated_at"])
        return "updated"


@register
class VisitorsFile(CsvFile):
    """Each row a visit that happened; natural key (meeting_date, email or else name)."""

    filename = "visitors.csv"
    columns = ("meeting_date", "name", "email", "company", "invited_by_email")
    required = ("meeting_date", "name")
    order = 20

    def import_row(self, ctx: ImportContext, row: dict[str, str]) -> str:
        day = self.date(row, "meeting_date")
        name = (row.get("name") or "").strip()
        if not name:
            raise RowError("name is empty")
        email = (row.get("email") or "").strip().lower()
        if email and "@" not in email:
            raise RowError(f"email {email!r} is not an email address")
        invited_by: Member | None = None
        if (row.get("invited_by_email") or "").strip():
            invited_by = ctx.member(row["invited_by_email"], column="invited_by_email")
        company = (row.get("company") or "").strip()
        meeting = _meeting_on(ctx, day)
        if meeting.cancelled:
            raise RowError(f"the meeting on {day.isoformat()} was cancelled: nobody visited")
        visitors = Visitor.objects.filter(chapter=ctx.chapter)
        visitor = (
            (visitors.filter(email__iexact=email) if email else visitors.filter(name__iexact=name))
            .order_by("pk")
            .first()
        )
        outcome = "unchanged"
        if visitor is None:
            visitor = Visitor.objects.create(
                chapter=ctx.chapter,
                name=name,
                email=email,
                company=company,
                status=Visitor.Status.ATTENDED,
            )
            outcome = "created"
        elif visitor.status == Visitor.Status.INVITED:
            visitor.status = Visitor.Status.ATTENDED
            visitor.save(update_fields=["status"])
            outcome = "updated"
        visit, created = Visit.objects.get_or_create(
            visitor=visitor,
            meeting=meeting,
            defaults={"invited_by": invited_by, "attended": True},
        )
        if created:
            return "created"
        if not visit.attended or visit.invited_by_id != (invited_by.pk if invited_by else None):
            visit.attended = True
            visit.invited_by = invited_by
            visit.save(update_fields=["attended", "invited_by"])
            return "updated"
        return outcome
