"""The meeting week: which week a date belongs to, and whether that week is submitted.

A chapter's week is the seven days ending on its meeting weekday: a slip dated Wednesday
belongs to the meeting on the following Tuesday (for a Tuesday chapter), and a slip dated on
the meeting day belongs to that meeting. Computed from the calendar, so it holds even for
weeks whose meeting row does not exist yet.
"""

import datetime as dt

from members.models import Chapter

from .models import Meeting

#: ``open_date_for``'s default: the chapter's latest submitted week has not been read.
UNREAD = object()


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


def open_date_for(chapter: Chapter, day: dt.date, latest=UNREAD) -> dt.date:
    """``day`` if its week is open, else the first day of the next open week.

    A slip logged after its week was submitted is dated into the next open week (DOMAIN.md).
    ``latest``, the chapter's latest submitted meeting when the caller read it in this request
    (``referrals.selectors.slip_member`` reads it with the member a slip names), answers the
    usual case without a query: a week that ends after it is open, and so is every week after
    that.
    """
    end = week_ending(chapter, day)
    if latest is not UNREAD and (latest is None or end > latest):
        return day
    submitted = set(
        Meeting.objects.filter(
            chapter_id=chapter.pk, date__gte=end, submitted_at__isnull=False
        ).values_list("date", flat=True)
    )
    if end not in submitted:
        return day
    while end in submitted:
        end += dt.timedelta(days=7)
    return end - dt.timedelta(days=6)
