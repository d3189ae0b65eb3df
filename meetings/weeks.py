"""The meeting week: which week a date belongs to, and whether that week is submitted.

A chapter's week is the seven days ending on its meeting weekday: a slip dated Wednesday
belongs to the meeting on the following Tuesday (for a Tuesday chapter), and a slip dated on
the meeting day belongs to that meeting. Computed from the calendar, so it holds even for
weeks whose meeting row does not exist yet.
"""

import datetime as dt

from django.db.models import OuterRef, Subquery

from members.models import Chapter
from members.precompiled import Precompiled

from .models import Meeting

#: ``open_date_for``'s default: the chapter's latest submitted week has not been read.
UNREAD = object()

#: Asked on every slip logged: compiled once (members.precompiled).
_SUBMITTED_SINCE = Precompiled(
    lambda chapter_id, since: Meeting.objects.filter(
        chapter_id=chapter_id, date__gte=since, submitted_at__isnull=False
    ).values_list("date", flat=True)
)


def week_ending(chapter: Chapter, day: dt.date) -> dt.date:
    """The meeting date closing the week that contains ``day``."""
    return day + dt.timedelta(days=(chapter.meeting_weekday - day.weekday()) % 7)


def week_bounds(chapter: Chapter, day: dt.date) -> tuple[dt.date, dt.date]:
    end = week_ending(chapter, day)
    return end - dt.timedelta(days=6), end


def is_week_submitted(chapter: Chapter, day: dt.date) -> bool:
    return Meeting.objects.filter(
        chapter=chapter, date=week_ending(chapter, day), submitted_at__isnull=False
    ).exists()


def latest_submitted() -> Subquery:
    """The date of the chapter's latest submitted meeting (``None`` before the first), as an
    annotation over rows with a ``chapter_id``: a query that reads a member for a slip reads
    the week's lock with it (``open_date_for``)."""
    return Subquery(
        Meeting.objects.filter(chapter_id=OuterRef("chapter_id"), submitted_at__isnull=False)
        .order_by("-date")
        .values("date")[:1]
    )


def open_date_for(chapter: Chapter, day: dt.date, latest=UNREAD) -> dt.date:
    """``day`` if its week is open, else the first day of the next open week.

    A slip logged after its week was submitted is dated into the next open week (DOMAIN.md).
    ``latest``, the chapter's latest submitted meeting (``latest_submitted``) when the caller
    read it in this request, answers the usual case without a query: a week that ends after
    it is open, and so is every week after that.
    """
    end = week_ending(chapter, day)
    if latest is not UNREAD and (latest is None or end > latest):
        return day
    submitted = set(_SUBMITTED_SINCE(chapter.pk, end))
    if end not in submitted:
        return day
    while end in submitted:
        end += dt.timedelta(days=7)
    return end - dt.timedelta(days=6)
