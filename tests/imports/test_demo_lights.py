"""The demo chapter's traffic lights look like a real chapter's: a few greens, mostly
yellows, at least one red and one grey — and seeding twice changes none of them."""

import datetime as dt
import io
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command

from members.models import Chapter
from reports.lights import chapter_light, standings

pytestmark = pytest.mark.django_db


def colours() -> tuple[Counter, dict[str, int]]:
    chapter = Chapter.objects.get(slug="riverside-demo")
    scored = standings(chapter)
    return Counter(s.colour for s in scored), {s.name: s.score for s in scored}


def test_the_demo_chapter_shows_every_colour_and_reseeding_keeps_them():
    call_command("seed_demo", stdout=io.StringIO())
    counts, scores = colours()
    assert counts["green"] >= 2
    assert counts["yellow"] >= 2
    assert counts["red"] >= 1
    assert counts["grey"] >= 1
    assert counts["yellow"] > counts["green"]  # most members are doing fine, not great
    # The newest member has not started yet: present at both meetings, nothing else.
    assert scores["Bill Carter"] < 30

    call_command("seed_demo", stdout=io.StringIO())
    assert colours() == (counts, scores)


def test_the_demo_chapters_own_light_is_beside_a_healthy_member_count():
    call_command("seed_demo", stdout=io.StringIO())
    chapter = Chapter.objects.get(slug="riverside-demo")
    light = chapter_light(chapter, standings(chapter))
    assert light.active_members >= 25
    assert light.colour in {"green", "yellow"}


@pytest.mark.parametrize("day", range(7))
def test_the_demo_shows_every_colour_and_policy_state_on_any_weekday(day):
    """The demo is seeded relative to today, and its weekly meetings fall on one weekday: what
    it shows must not depend on which weekday today is."""
    from meetings.policy import PolicyState, policy_states

    monday = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    with time_machine.travel(monday + dt.timedelta(days=day), tick=False):
        call_command("seed_demo", stdout=io.StringIO())
        counts, _ = colours()
        assert min(counts["green"], counts["yellow"]) >= 2 and counts["red"] >= 1, counts
        assert counts["grey"] >= 1 and counts["yellow"] > counts["green"], counts
        chapter = Chapter.objects.get(slug="riverside-demo")
        states = [s.state for s in policy_states(chapter, chapter.today()).values()]
        assert states.count(PolicyState.OVER) == 1 and states.count(PolicyState.WARNING) >= 2
