"""Traffic lights: each member's score out of 100 over the last 26 weeks (DOMAIN.md).

The measures are PALMS columns over the window, so the score reuses ``palms_rows`` (a
constant number of queries) and adds one query for the chapter's held meeting dates. Rates
are computed with ``Decimal`` so a boundary such as 0.75 referrals a week is never missed by
a floating-point hair. Points and thresholds come from the chapter's settings.
"""

import datetime as dt
import functools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from members.models import Chapter, Member
from members.templatetags.money import amount, money

from .palms import PalmsRow, members_record, palms_rows
from .sql import names

WINDOW_WEEKS = 26
WEEKS_PER_MONTH = Decimal("4.33")
COLOURS = ("green", "yellow", "red", "grey")
#: Each colour as a sentence names it ("To reach green: …"); the codes stay as they are.
COLOUR_NAMES = {"green": _("green"), "yellow": _("yellow"), "red": _("red"), "grey": _("grey")}


def light_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The 26 weeks ending on ``as_of``: 182 days, both ends inclusive."""
    return as_of - dt.timedelta(weeks=WINDOW_WEEKS) + dt.timedelta(days=1), as_of


def colour_for(chapter: Chapter, score: float | Decimal) -> str:
    if score >= chapter.green_min:
        return "green"
    if score >= chapter.yellow_min:
        return "yellow"
    if score >= chapter.red_min:
        return "red"
    return "grey"


def _tiers(table) -> tuple[tuple[Decimal, int], ...]:
    """A chapter's rate table as (at least, points); asked for each measure of each member."""
    return _parsed_tiers(tuple(map(tuple, table)))


@functools.lru_cache(maxsize=256)
def _parsed_tiers(table: tuple) -> tuple[tuple[Decimal, int], ...]:
    return tuple((Decimal(str(at_least)), int(points)) for at_least, points in table)


def _rate_points(rate: Decimal, table) -> int:
    for at_least, points in _tiers(table):
        if rate >= at_least:
            return points
    return 0


@dataclass
class Measure:
    key: str
    label: str
    value: str
    points: int
    best: int


@dataclass
class Standing:
    """One member's traffic light, with the breakdown and what would lift it."""

    member_id: int
    name: str
    email: str
    status: str
    weeks: int
    score: int
    colour: str
    measures: list[Measure] = field(default_factory=list)
    lift: list[str] = field(default_factory=list)
    next_colour: str | None = None
    window_start: dt.date | None = None
    oldest_week_leaves_on: dt.date | None = None
    palms: PalmsRow | None = None

    @property
    def next_colour_name(self) -> str:
        return str(COLOUR_NAMES[self.next_colour]) if self.next_colour else ""


def _score(chapter: Chapter, row: PalmsRow, weeks: int) -> tuple[list[Measure], list[tuple]]:
    """Points per measure, and the cheapest steps to the next tier of each one."""
    table = chapter.light_points
    w = Decimal(weeks)
    per_week = (lambda n: Decimal(n) / w) if weeks else (lambda n: Decimal(0))
    per_month = (lambda n: Decimal(n) * WEEKS_PER_MONTH / w) if weeks else (lambda n: Decimal(0))
    referrals = row["RGI"] + row["RGO"]
    absences = row["A"]
    absence_points = table["absences"]
    measures = [
        Measure(
            "absences",
            gettext("Absences"),
            str(absences),
            absence_points[absences] if absences < len(absence_points) else 0,
            max(absence_points),
        ),
        Measure(
            "referrals",
            gettext("Referrals given a week"),
            f"{per_week(referrals):.2f}",
            _rate_points(per_week(referrals), table["referrals_per_week"]),
            max(p for _, p in table["referrals_per_week"]),
        ),
        Measure(
            "visitors",
            gettext("Visitors a month"),
            f"{per_month(row['V']):.2f}",
            _rate_points(per_month(row["V"]), table["visitors_per_month"]),
            max(p for _, p in table["visitors_per_month"]),
        ),
        Measure(
            "one_to_ones",
            gettext("1-2-1s a week"),
            f"{per_week(row['121']):.2f}",
            _rate_points(per_week(row["121"]), table["one_to_ones_per_week"]),
            max(p for _, p in table["one_to_ones_per_week"]),
        ),
        Measure(
            "ceu",
            gettext("CEU credits a week"),
            f"{per_week(row['CEU']):.2f}",
            _rate_points(per_week(row["CEU"]), table["ceu_per_week"]),
            max(p for _, p in table["ceu_per_week"]),
        ),
    ]
    tyfcb = row["TYFCB"]
    threshold = chapter.tyfcb_threshold
    tp = table["tyfcb"]
    tyfcb_points = (
        tp["threshold"]
        if tyfcb >= threshold
        else tp["half"]
        if tyfcb >= threshold / 2
        else tp["any"]
        if tyfcb > 0
        else 0
    )
    measures.append(
        Measure(
            "tyfcb",
            gettext("TYFCB credited"),
            amount(tyfcb, chapter),
            tyfcb_points,
            tp["threshold"],
        )
    )
    testimonials = _rate_points(Decimal(row["T"]), table["testimonials"])
    best_t = max(p for _, p in table["testimonials"])
    measures.append(
        Measure("testimonials", gettext("Testimonials given"), str(row["T"]), testimonials, best_t)
    )

    # Steps: (extra units, points gained, sentence) for the next tier of each measure.
    steps: list[tuple[Decimal, int, str]] = []

    def rate_step(key, count, table_key, sentence, scale=Decimal(1)):
        current = next(m.points for m in measures if m.key == key)
        for at_least, points in reversed(_tiers(table[table_key])):
            if points > current and weeks:
                needed = math.ceil(at_least * w / scale - Decimal(count))
                if needed > 0:
                    steps.append((Decimal(needed), points - current, sentence(needed)))
                break

    def more(singular: str, plural: str):
        return lambda n: ngettext(singular, plural, n) % {"n": n}

    rate_step(
        "referrals",
        referrals,
        "referrals_per_week",
        more("%(n)d more referral given", "%(n)d more referrals given"),
    )
    rate_step(
        "visitors",
        row["V"],
        "visitors_per_month",
        more("%(n)d more visitor brought", "%(n)d more visitors brought"),
        WEEKS_PER_MONTH,
    )
    rate_step(
        "one_to_ones",
        row["121"],
        "one_to_ones_per_week",
        more("%(n)d more 1-2-1 done", "%(n)d more 1-2-1s done"),
    )
    rate_step(
        "ceu", row["CEU"], "ceu_per_week", more("%(n)d more CEU credit", "%(n)d more CEU credits")
    )
    if tyfcb_points < tp["threshold"]:
        target = threshold / 2 if tyfcb_points < tp["half"] and tyfcb > 0 else threshold
        if tyfcb == 0:
            steps.append((Decimal(1), tp["any"], gettext("a first TYFCB thanking you")))
        else:
            gain = (tp["half"] if target < threshold else tp["threshold"]) - tyfcb_points
            sentence = gettext("%(amount)s more TYFCB credited to you")
            steps.append((Decimal(1), gain, sentence % {"amount": money(target - tyfcb, chapter)}))
    if testimonials < best_t:
        for at_least, points in reversed(_tiers(table["testimonials"])):
            if points > testimonials:
                n = int(at_least) - row["T"]
                sentence = more("%(n)d more testimonial", "%(n)d more testimonials")(n)
                steps.append((Decimal(n), points - testimonials, sentence))
                break
    return measures, steps


def standings(
    chapter: Chapter, as_of: dt.date | None = None, *, member_ids: list[int] | None = None
) -> list[Standing]:
    """Every member who belongs on ``as_of`` (or just ``member_ids``), scored over the 26
    weeks ending then; best first. Three queries whatever the chapter's size."""
    return _standings_for([chapter], as_of or chapter.today(), member_ids)[chapter.pk]


def region_standings(chapters: list[Chapter]) -> dict[int, list[Standing]]:
    """Every chapter's standings, each as of its own today: three queries per distinct
    local date (one or two across a region), not per chapter."""
    by_day: dict[dt.date, list[Chapter]] = defaultdict(list)
    for chapter in chapters:
        by_day[chapter.today()].append(chapter)
    result: dict[int, list[Standing]] = {}
    for as_of, group in by_day.items():
        result |= _standings_for(group, as_of)
    return result


def _held(chapter_ids: list[int], start: dt.date, end: dt.date) -> list[tuple[int, dt.date]]:
    """``(chapter_id, date)`` of the chapters' meetings held in ``[start, end]``, oldest first:
    ``Meeting.objects.held().between(start, end)`` written out by hand, because a member's
    dashboard asks it after each of their slips and the ORM took longer to build it than
    PostgreSQL took to answer. ``tests/reports/test_health_sql.py`` holds it to that twin."""
    if not chapter_ids:
        return []
    meeting = names(Meeting)
    chapter, date, cancelled = meeting["chapter"], meeting["date"], meeting["cancelled"]
    marks = ", ".join(["%s"] * len(chapter_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {chapter}, {date} FROM {meeting['table']} "  # noqa: S608 (names, no input)
            f"WHERE {chapter} IN ({marks}) AND NOT {cancelled} "
            f"AND {date} >= %s AND {date} <= %s ORDER BY {date}, {meeting['id']}",
            [*chapter_ids, start, end],
        )
        return cursor.fetchall()


def _standings_for(
    chapters: list[Chapter],
    as_of: dt.date,
    member_ids: list[int] | None = None,
    members: list[dict] | None = None,
) -> dict[int, list[Standing]]:
    start, end = light_window(as_of)
    meeting_dates: dict[int, list[dt.date]] = defaultdict(list)
    ids = [chapter.pk for chapter in chapters]
    for chapter_id, day in _held(ids, start, end):
        meeting_dates[chapter_id].append(day)
    by_id = {chapter.pk: chapter for chapter in chapters}
    scored: dict[int, list[Standing]] = {chapter.pk: [] for chapter in chapters}
    for row in palms_rows(chapters, start, end, member_ids=member_ids, members=members):
        if (
            row.status != Member.Status.APPLICANT
            and row.joined_on <= as_of
            and (row.left_on is None or row.left_on >= as_of)
        ):
            chapter = by_id[row.chapter_id]
            scored[chapter.pk].append(_standing(chapter, row, meeting_dates[chapter.pk], start))
    for found in scored.values():
        found.sort(key=lambda s: (-s.score, s.name))
    return scored


def member_standing(member: Member, as_of: dt.date | None = None) -> Standing | None:
    """One member's light, e.g. for their dashboard: the same rules, a quarter of the work.

    The member's own PALMS record comes from the member already loaded. It need not be
    checked against the window: only a member who belongs on ``as_of`` is scored, and one
    who does belonged in the window that ends then."""
    as_of = as_of or member.chapter.today()
    scored = _standings_for([member.chapter], as_of, members=[members_record(member)])
    found = scored[member.chapter_id]
    return found[0] if found else None


def _standing(chapter: Chapter, row: PalmsRow, meeting_dates: list[dt.date], start) -> Standing:
    weeks = sum(
        1 for d in meeting_dates if d >= row.joined_on and (row.left_on is None or d <= row.left_on)
    )
    measures, steps = _score(chapter, row, weeks)
    score = sum(m.points for m in measures)
    standing = Standing(
        member_id=row.member_id,
        name=row.name,
        email=row.email,
        status=row.status,
        weeks=weeks,
        score=score,
        colour=colour_for(chapter, score),
        measures=measures,
        window_start=start,
        oldest_week_leaves_on=(
            meeting_dates[0] + dt.timedelta(weeks=WINDOW_WEEKS) if meeting_dates else None
        ),
        palms=row,
    )
    thresholds = [
        ("green", chapter.green_min),
        ("yellow", chapter.yellow_min),
        ("red", chapter.red_min),
    ]
    better = [(name, least) for name, least in thresholds if least > score]
    if better:
        standing.next_colour, target = better[-1]
        standing.lift = _plan(steps, target - score)
    return standing


def _plan(steps: list[tuple[Decimal, int, str]], gap: int) -> list[str]:
    """The fewest, cheapest steps whose points close ``gap`` (most points per unit first)."""
    plan, gained = [], 0
    for _units, points, sentence in sorted(steps, key=lambda s: (s[0] / s[1], -s[1])):
        if gained >= gap:
            break
        plan.append(f"{sentence} (+{points})")
        gained += points
    if gained >= gap:
        return plan
    return [*plan, gettext("keep attending: old weeks will leave the window")]


@dataclass
class ChapterLight:
    score: Decimal | None
    colour: str | None
    active_members: int


def chapter_light(chapter: Chapter, scored: list[Standing]) -> ChapterLight:
    """The chapter's light: the mean of its active members' scores (DOMAIN.md)."""
    active = [s.score for s in scored if s.status == Member.Status.ACTIVE]
    if not active:
        return ChapterLight(score=None, colour=None, active_members=0)
    mean = (Decimal(sum(active)) / len(active)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return ChapterLight(score=mean, colour=colour_for(chapter, mean), active_members=len(active))
