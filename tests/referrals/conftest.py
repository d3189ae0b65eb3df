import datetime as dt

import pytest
from django.utils import timezone

from meetings.weeks import week_ending
from tests.factories import MeetingFactory


@pytest.fixture
def today(chapter):
    return chapter.today()


@pytest.fixture
def last_meeting(chapter, today):
    """The chapter's most recent meeting before today (its week is over)."""
    end = week_ending(chapter, today)
    date = end - dt.timedelta(days=7) if end >= today else end
    return MeetingFactory(chapter=chapter, date=date)


@pytest.fixture
def submitted_meeting(last_meeting, vice_president):
    last_meeting.submitted_at = timezone.now()
    last_meeting.submitted_by = vice_president.user
    last_meeting.save()
    return last_meeting
