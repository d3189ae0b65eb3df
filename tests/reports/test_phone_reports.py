"""The report pages as a phone shows them: wide tables scroll in a box a keyboard reaches, the
heat map opens on the latest meetings, charts carry axes, values and words, a traffic light says
its colour, and what would lift a light is said in proper plurals."""

import datetime as dt
import itertools
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from reports.charts import bar_chart, compact, nice_ceiling
from reports.lights import _score
from reports.palms import COLUMNS, PalmsRow
from tests.factories import AttendanceFactory, MeetingFactory, ReferralFactory, TyfcbFactory

pytestmark = pytest.mark.django_db


def test_every_scrolling_table_is_a_named_region_a_keyboard_reaches():
    """A wide table scrolls in ``.table-wrap``: focusable (tabindex 0) and named, on every
    page, including those added later."""
    wraps = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for tag in re.findall(r'<div class="table-wrap[^"]*"[^>]*>', path.read_text()):
            wraps.append((path.name, tag))
    assert len(wraps) >= 12
    for name, tag in wraps:
        assert 'tabindex="0"' in tag and 'role="region"' in tag and "aria-label=" in tag, name


def test_the_heat_map_opens_on_the_latest_meeting(login, president, member, chapter):
    today = chapter.today()
    dates = [today - dt.timedelta(weeks=n) for n in range(3)]
    for day in dates:
        AttendanceFactory(meeting=MeetingFactory(chapter=chapter, date=day), member=member)
    html = login(president).get(reverse("meetings:review")).text
    table = html[html.index('<table class="heatmap">') :]
    shown_dates = re.findall(r'<th scope="col" class="day" title="([^"]+)"', table)
    assert shown_dates[:3] == [f"{d.day} {d:%b %Y}" for d in dates]  # newest first
    head = table[: table.index("</tr>")]
    assert head.index(">Abs.</th>") < head.index('class="day"')  # beside the names


def test_the_chapter_page_draws_charts_with_axes_values_and_words(login, president, member):
    today = president.chapter.today()
    ReferralFactory.create_batch(3, giver=member, receiver=president, date=today)
    TyfcbFactory(writer=member, thanked=president, amount=Decimal("12500.00"), date=today)
    html = login(president).get(reverse("reports:chapter")).text
    assert html.count('<svg viewBox="0 0 360 190" role="img"') == 2
    assert '<title id="referrals-chart-title">Referrals a week</title>' in html
    assert re.search(
        r'<desc id="referrals-chart-desc">26 weeks, from .* Latest: 3 referrals\.', html
    )
    ticks = re.findall(r'<text class="axis y" [^>]*>([^<]+)</text>', html)
    assert ticks == ["0", "2.5", "5", "0", "10k", "20k"]  # 3 referrals; 12,500 GBP
    assert '<text class="value"' in html and ">12.5k</text>" in html  # the latest TYFCB bar
    numbers = html[html.index('<details class="chart-numbers">') :]
    day = f"{today.day} {today:%b %Y}"
    assert (
        f'<th scope="row">{day}</th><td class="num">3</td><td class="num">12,500.00</td>'
    ) in numbers  # the same numbers in words and digits, newest week first


def test_round_axis_tops_and_short_values():
    assert [nice_ceiling(Decimal(v)) for v in (0, 1, 3, 7, 23, 48, 57963)] == [
        1, 1, 5, 10, 25, 50, 100000,
    ]  # fmt: skip
    assert nice_ceiling(Decimal("2.1")) == Decimal("2.5")
    assert [compact(v) for v in (0, 25, Decimal("2.5"), 12500, 60000, 1_500_000)] == [
        "0", "25", "2.5", "12.5k", "60k", "1.5M",
    ]  # fmt: skip


def test_an_empty_chart_says_so():
    chart = bar_chart([], id="x", title="Nothing", unit="u")
    assert chart.bars == [] and chart.latest is None
    assert chart.description == "No weeks to show yet."


def test_a_traffic_light_says_its_colour_in_words(login, president):
    html = login(president).get(reverse("reports:lights")).text
    assert re.search(
        r'<span class="light light-(\w+)" aria-hidden="true"></span> (Green|Yellow|Red|Grey)', html
    )
    assert 'role="img"' not in html[html.index("<main") :]


def test_what_would_lift_a_light_is_said_in_proper_plurals(chapter):
    plural = re.compile(r"^1 more (referrals|visitors|1-2-1s|CEU credits|testimonials)\b")
    said = set()
    for v, t, r, o, c in itertools.product(range(0, 4), range(0, 3), (0, 5, 25), (0, 20), (0, 6)):
        values = dict.fromkeys(COLUMNS, 0) | {"V": v, "T": t, "RGI": r, "121": o, "CEU": c}
        values["TYFCB"] = Decimal("1234.5")
        row = PalmsRow(member_id=1, chapter_id=chapter.pk, email="", name="", values=values)
        for _, _, sentence in _score(chapter, row, 26)[1]:
            assert "(s)" not in sentence and not plural.match(sentence), sentence
            said.add(sentence)
    assert "1 more visitor brought" in said and "2 more visitors brought" in said
    assert "1 more testimonial" in said
    tyfcb = [s for s in said if "TYFCB credited" in s]
    assert tyfcb and all(re.match(r"[\d,]+\.\d\d\xa0GBP more TYFCB", s) for s in tyfcb), tyfcb
