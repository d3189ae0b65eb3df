import datetime as dt

import pytest

from tests.conftest import _member
from tests.factories import MeetingFactory

# A Tuesday: the factories' chapters meet on Tuesdays.
AS_OF = dt.date(2026, 11, 17)


def weekly_meetings(chapter, *, end=AS_OF, weeks=30):
    """``weeks`` weekly meetings of ``chapter`` ending on ``end``, oldest first."""
    return [
        MeetingFactory(chapter=chapter, date=end - dt.timedelta(weeks=n)) for n in range(weeks)
    ][::-1]


@pytest.fixture
def visitor_host(chapter):
    return _member(chapter, "hana@example.test", "Hana", roles=["visitor_host"])


@pytest.fixture
def other_vice_president(other_chapter):
    """A leader of another chapter: a leader, but not of ours."""
    return _member(other_chapter, "olga@example.test", "Olga", roles=["vice_president"])


@pytest.fixture
def next_meeting(chapter):
    """The chapter's next meeting, a week or less ahead of today."""
    today = chapter.today()
    day = today + dt.timedelta(days=(chapter.meeting_weekday - today.weekday()) % 7 or 7)
    return MeetingFactory(chapter=chapter, date=day)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The public form counts sign-ups per address in the cache: each test starts at zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
