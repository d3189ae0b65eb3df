"""The attendance policy (DOMAIN.md "Attendance"), computed in the database.

The window is the ``chapter.policy_window_weeks`` weeks ending on ``as_of``: held meetings
with ``as_of - N weeks < date <= as_of``. With the default 26 that is exactly 26 weekly
meetings: the meeting 25 weeks before ``as_of`` is inside, the one 26 weeks before is not.

An absence is an ``A`` mark, or an ``M`` mark beyond the chapter's medical allowance: the
``allowance + 1``-th consecutive ``M`` and later, where consecutive means consecutive *held*
meetings of the chapter (a cancelled week neither breaks nor extends a streak). Streaks are
followed back before the window, so leave that began earlier still counts towards the
allowance. Only meetings while the member belonged (``joined_on`` … ``left_on``) count.

One SQL statement (a gaps-and-islands query with window functions) answers for a whole
chapter, so reminders and reports can reuse ``policy_states`` without a loop over meetings.
It reads only A and M marks (a partial index holds just those), so two years of history
cost a few hundred rows, not every mark ever taken.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from members.models import Chapter, Member

from .models import Attendance, Meeting


class PolicyState(models.TextChoices):
    OK = "ok", _("OK")
    WARNING = "warning", _("Warning")
    AT_LIMIT = "at_limit", _("At the limit")
    OVER = "over", _("Over the limit")


AT_RISK = (PolicyState.WARNING, PolicyState.AT_LIMIT, PolicyState.OVER)


@dataclass(frozen=True)
class PolicyStatus:
    state: PolicyState
    absences: int
    limit: int
    absence_dates: list[dt.date] = field(default_factory=list)

    @property
    def at_risk(self) -> bool:
        return self.state in AT_RISK

    @property
    def remaining(self) -> int:
        """Absences still allowed before the member goes over (0 when at or over the limit)."""
        return max(self.limit - self.absences, 0)


def state_for(absences: int, limit: int) -> PolicyState:
    if absences > limit:
        return PolicyState.OVER
    if absences == limit:
        return PolicyState.AT_LIMIT
    if absences == limit - 1:
        return PolicyState.WARNING
    return PolicyState.OK


def window_start(chapter: Chapter, as_of: dt.date) -> dt.date:
    """The last day *outside* the window: meetings must be strictly after it."""
    return as_of - dt.timedelta(weeks=chapter.policy_window_weeks)


_ABSENCES_SQL = """
WITH held AS (
    SELECT id, date, ROW_NUMBER() OVER (ORDER BY date) AS seq
    FROM {meeting}
    WHERE chapter_id = %s AND cancelled = %s AND date <= %s
),
marks AS (
    SELECT a.member_id, a.mark, h.date, h.seq
    FROM {attendance} a
    JOIN held h ON h.id = a.meeting_id
    JOIN {member} m ON m.id = a.member_id
    WHERE a.mark IN ('A', 'M')
      AND m.joined_on <= h.date AND (m.left_on IS NULL OR m.left_on >= h.date) {member_filter}
),
medical AS (
    SELECT member_id, date, seq,
           seq - ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY seq) AS streak
    FROM marks WHERE mark = 'M'
),
medical_ranked AS (
    SELECT member_id, date,
           ROW_NUMBER() OVER (PARTITION BY member_id, streak ORDER BY seq) AS nth
    FROM medical
),
counted AS (
    SELECT member_id, date FROM marks WHERE mark = 'A'
    UNION ALL
    SELECT member_id, date FROM medical_ranked WHERE nth > %s
)
SELECT member_id, date, COUNT(*) OVER (PARTITION BY member_id) AS absences
FROM counted
WHERE date > %s
ORDER BY member_id, date
"""


def _absence_rows(
    chapter: Chapter, as_of: dt.date, member: Member | None = None
) -> dict[int, tuple[int, list[dt.date]]]:
    """``{member_id: (absences, [dates])}`` for members with at least one absence."""
    sql = _ABSENCES_SQL.format(
        meeting=Meeting._meta.db_table,
        attendance=Attendance._meta.db_table,
        member=Member._meta.db_table,
        member_filter="AND a.member_id = %s" if member is not None else "",
    )
    params: list = [chapter.pk, False, as_of]
    if member is not None:
        params.append(member.pk)
    params += [chapter.medical_allowance_weeks, window_start(chapter, as_of)]
    found: dict[int, tuple[int, list[dt.date]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for member_id, day, absences in cursor.fetchall():
            if isinstance(day, str):  # SQLite hands dates back as text
                day = dt.date.fromisoformat(day)
            found.setdefault(member_id, (absences, []))[1].append(day)
    return found


def absences_in_window(member: Member, as_of: dt.date) -> int:
    """Absences that count against ``member`` in the window ending on ``as_of``."""
    absences, _ = _absence_rows(member.chapter, as_of, member).get(member.pk, (0, []))
    return absences


def policy_state(member: Member, as_of: dt.date) -> PolicyStatus:
    absences, dates = _absence_rows(member.chapter, as_of, member).get(member.pk, (0, []))
    limit = member.chapter.absence_limit
    return PolicyStatus(state_for(absences, limit), absences, limit, dates)


def policy_states(chapter: Chapter, as_of: dt.date) -> dict[int, PolicyStatus]:
    """Every member who belonged in the window → their status; two queries in all."""
    limit = chapter.absence_limit
    rows = _absence_rows(chapter, as_of)
    member_ids = (
        Member.objects.filter(chapter=chapter)
        .belonging_between(window_start(chapter, as_of) + dt.timedelta(days=1), as_of)
        .values_list("pk", flat=True)
    )
    states = {}
    for member_id in member_ids:
        absences, dates = rows.get(member_id, (0, []))
        states[member_id] = PolicyStatus(state_for(absences, limit), absences, limit, dates)
    return states
