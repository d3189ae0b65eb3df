"""The demo chapter's traffic lights look like a real chapter's: a few greens, mostly
yellows, at least one red and one grey — and seeding twice changes none of them."""

import io
from collections import Counter

import pytest
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
