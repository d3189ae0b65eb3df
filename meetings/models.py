"""The weekly meeting: meetings, attendance marks and visitors (DOMAIN.md: "Attendance")."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import Chapter, Classification, Member
from members.text import CleanTextModel


class MeetingQuerySet(models.QuerySet):
    def held(self) -> "MeetingQuerySet":
        """Meetings that take place: cancelled ones get no marks and count for nothing."""
        return self.filter(cancelled=False)

    def between(self, start: dt.date, end: dt.date) -> "MeetingQuerySet":
        return self.filter(date__gte=start, date__lte=end)


class Meeting(models.Model):
    """One weekly meeting of a chapter, on the chapter's weekday, in its time zone."""

    chapter = models.ForeignKey(Chapter, on_delete=models.PROTECT, related_name="meetings")
    date = models.DateField()
    starts_at = models.DateTimeField(help_text=_("Start, as an aware datetime."))
    presenter = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="presentations"
    )
    cancelled = models.BooleanField(default=False)
    cancel_reason = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["chapter", "date"], name="one_meeting_per_day"),
            models.CheckConstraint(
                condition=Q(cancelled=False) | ~Q(cancel_reason=""),
                name="cancelled_meeting_has_reason",
            ),
        ]
        indexes = [
            # A slip's week lock: the chapter's latest submitted meeting, and those since a day.
            models.Index(
                fields=["chapter", "date"],
                condition=Q(submitted_at__isnull=False),
                name="submitted_meetings",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chapter} · {self.date:%a %d %b %Y}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def attendance_open(self, today: dt.date) -> bool:
        """Whether marks may be written ``today`` (the chapter's date): on the meeting's day
        and after, never ahead. A mark written weeks ahead says nothing about who came, and
        would keep the meeting from being cancelled."""
        return self.date <= today


class Attendance(models.Model):
    """A member's one mark for one held meeting."""

    class Mark(models.TextChoices):
        PRESENT = "P", _("Present")
        ABSENT = "A", _("Absent")
        LATE = "L", _("Late / left early")
        MEDICAL = "M", _("Medical / approved leave")
        SUBSTITUTE = "S", _("Sent a substitute")

    PRESENT_MARKS = (Mark.PRESENT, Mark.LATE, Mark.SUBSTITUTE)

    # (meeting, member) is unique and (member, meeting) indexed: those serve each key alone.
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendances", db_index=False
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="attendances", db_index=False
    )
    mark = models.CharField(max_length=1, choices=Mark.choices, default=Mark.PRESENT)
    substitute_name = models.CharField(max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="one_mark_per_meeting"),
            models.CheckConstraint(
                condition=~Q(mark="S") | ~Q(substitute_name=""),
                name="substitute_is_named",
                violation_error_message=_("Name the substitute for an S mark."),
            ),
            models.CheckConstraint(
                condition=Q(mark__in=["P", "A", "L", "M", "S"]), name="attendance_mark_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "meeting"]),
            # The attendance policy reads only absences and medical marks, over all history.
            models.Index(
                fields=["meeting", "member"],
                condition=Q(mark__in=["A", "M"]),
                name="attendance_absent_or_medical",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.mark} {self.meeting.date}"


class Visitor(CleanTextModel, models.Model):
    """A guest of the chapter, followed up from invitation to joining (or not). Their name
    goes into the hosts' email's subject: normalised, it holds no line break."""

    text_fields = ("name", "company", "trade")

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ATTENDED = "attended", _("Attended")
        APPLIED = "applied", _("Applied")
        JOINED = "joined", _("Joined")
        NOT_INTERESTED = "not_interested", _("Not interested")

    chapter = models.ForeignKey(Chapter, on_delete=models.PROTECT, related_name="visitors")
    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    company = models.CharField(max_length=150, blank=True)
    classification = models.ForeignKey(
        Classification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trade = models.CharField(max_length=120, blank=True, help_text=_("As the visitor put it."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["chapter", "status"])]

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """A visitor expected at (and perhaps present at) one meeting, invited by a member."""

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="visits")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="visits")
    invited_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="invited_visits"
    )
    attended = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visitor", "meeting"], name="one_visit_per_meeting"),
        ]
        indexes = [models.Index(fields=["invited_by", "attended"])]

    def __str__(self) -> str:
        return f"{self.visitor} at {self.meeting}"


class RotaPlace(models.Model):
    """A member's place in the chapter's feature-presenter rota (lowest position goes first)."""

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="rota_places")
    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="rota_place")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["chapter", "position"], name="one_member_per_rota_place"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.member}"


class AttendanceChange(models.Model):
    """A mark changed after its week was submitted: who changed it, when, from what to what."""

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    from_mark = models.CharField(max_length=1, blank=True, help_text=_("Empty: no mark before."))
    to_mark = models.CharField(max_length=1)
    from_substitute = models.CharField(max_length=120, blank=True)
    to_substitute = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.attendance}: {self.from_mark or '—'} → {self.to_mark}"
