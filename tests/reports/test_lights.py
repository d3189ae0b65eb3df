"""Traffic-light points at every threshold of DOMAIN.md's table, and the chapter's light."""

import datetime as dt
from decimal import Decimal

import pytest

from members.models import Chapter, default_light_points
from reports.lights import (
    _score,
    chapter_light,
    colour_for,
    light_window,
    member_standing,
    standings,
)
from reports.palms import COLUMNS, PalmsRow
from tests.factories import (
    AttendanceFactory,
    MeetingFactory,
    MemberFactory,
    ReferralFactory,
)


def chapter_settings() -> Chapter:
    return Chapter(
        green_min=70, yellow_min=50, red_min=30,
        tyfcb_threshold=Decimal("10000.00"), light_points=default_light_points(),
    )  # fmt: skip


def row(**values) -> PalmsRow:
    base = {c: 0 for c in COLUMNS} | {"TYFCB": Decimal("0.00")}
    return PalmsRow(member_id=1, chapter_id=1, email="m@x.test", name="M", values=base | values)


def points(measure: str, weeks: int = 8, **values) -> int:
    measures, _ = _score(chapter_settings(), row(**values), weeks)
    return next(m.points for m in measures if m.key == measure)


@pytest.mark.parametrize(
    ("absences", "expected"), [(0, 20), (1, 15), (2, 10), (3, 5), (4, 0), (9, 0)]
)
def test_absence_points(absences, expected):
    assert points("absences", A=absences) == expected


@pytest.mark.parametrize(
    ("referrals", "expected"),
    # 8 weeks: 8 → 1.0/wk, 6 → 0.75, 5 → 0.625, 4 → 0.5, 3 → 0.375, 2 → 0.25, 1 → 0.125
    [(8, 20), (7, 15), (6, 15), (5, 10), (4, 10), (3, 5), (2, 5), (1, 0), (0, 0)],
)
def test_referral_points_per_week_count_inside_and_outside(referrals, expected):
    inside = referrals // 2
    assert points("referrals", RGI=inside, RGO=referrals - inside) == expected


@pytest.mark.parametrize(
    ("weeks", "visitors", "expected"),
    [
        (26, 7, 20),  # 7 × 4.33 / 26 = 1.166 a month
        (26, 6, 15),  # 6 visitors in 26 weeks is 0.999 a month: not quite one
        (13, 3, 15),  # 0.999 again
        (13, 2, 10),  # 0.666
        (13, 1, 5),  # 0.333
        (26, 1, 0),  # 0.1665
    ],
)
def test_visitor_points_per_month_use_weeks_over_4_33(weeks, visitors, expected):
    assert points("visitors", weeks=weeks, V=visitors) == expected


@pytest.mark.parametrize(("done", "expected"), [(8, 20), (6, 15), (4, 10), (2, 5), (1, 0)])
def test_one_to_one_points(done, expected):
    assert points("one_to_ones", **{"121": done}) == expected


@pytest.mark.parametrize(("credits", "expected"), [(8, 10), (7, 5), (4, 5), (3, 0)])
def test_ceu_points(credits, expected):
    assert points("ceu", CEU=credits) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("10000.00", 5), ("9999.99", 3), ("5000.00", 3), ("4999.99", 1), ("0.01", 1), ("0", 0)],
)
def test_tyfcb_points_against_the_chapter_threshold(amount, expected):
    assert points("tyfcb", TYFCB=Decimal(amount)) == expected


@pytest.mark.parametrize(("given", "expected"), [(0, 0), (1, 3), (2, 5), (5, 5)])
def test_testimonial_points(given, expected):
    assert points("testimonials", T=given) == expected


def test_no_weeks_means_no_rate_points():
    assert points("referrals", weeks=0, RGI=3) == 0


@pytest.mark.parametrize(
    ("score", "colour"), [(100, "green"), (70, "green"), (69, "yellow"), (50, "yellow"),
                          (49, "red"), (30, "red"), (29, "grey"), (0, "grey")],
)  # fmt: skip
def test_colours_follow_the_thresholds(score, colour):
    assert colour_for(chapter_settings(), score) == colour


def test_the_window_is_26_weeks_ending_on_the_day():
    start, end = light_window(dt.date(2026, 11, 24))
    assert end - start == dt.timedelta(days=181)


@pytest.mark.django_db
def test_a_new_member_is_scored_on_the_weeks_they_belonged(chapter):
    as_of = dt.date(2026, 11, 24)
    veteran = MemberFactory(chapter=chapter, joined_on=dt.date(2024, 1, 1))
    newcomer = MemberFactory(chapter=chapter, joined_on=as_of - dt.timedelta(weeks=7, days=1))
    for week in range(26):
        meeting = MeetingFactory(chapter=chapter, date=as_of - dt.timedelta(weeks=week))
        AttendanceFactory(meeting=meeting, member=veteran)
        if week < 8:
            AttendanceFactory(meeting=meeting, member=newcomer)
            ReferralFactory(giver=newcomer, receiver=veteran, date=meeting.date)
    scored = {s.member_id: s for s in standings(chapter, as_of)}
    assert scored[newcomer.pk].weeks == 8
    assert scored[veteran.pk].weeks == 26
    # 8 referrals in 8 weeks: full referral points for the newcomer.
    newcomer_referrals = next(m for m in scored[newcomer.pk].measures if m.key == "referrals")
    assert newcomer_referrals.points == 20
    assert scored[newcomer.pk].score == 40  # no absences (20) + referrals (20)
    assert scored[newcomer.pk].colour == "red"
    assert scored[newcomer.pk].next_colour == "yellow"
    assert scored[newcomer.pk].lift  # says what would lift them


@pytest.mark.django_db
def test_chapter_light_is_the_mean_of_active_members(chapter):
    as_of = dt.date(2026, 11, 24)
    MemberFactory(chapter=chapter, joined_on=dt.date(2024, 1, 1))
    MemberFactory(chapter=chapter, joined_on=dt.date(2024, 1, 1), status="on_leave")
    MeetingFactory(chapter=chapter, date=as_of)
    scored = standings(chapter, as_of)
    light = chapter_light(chapter, scored)
    assert light.active_members == 1
    assert light.score == Decimal("20.0")  # no absences → 20 points, nothing else
    assert light.colour == "grey"


@pytest.mark.django_db
def test_one_members_standing_is_their_row_of_the_chapters(chapter):
    """The dashboard scores one member from the member already loaded: the same light."""
    as_of = dt.date(2026, 11, 24)
    veteran = MemberFactory(chapter=chapter, joined_on=dt.date(2024, 1, 1))
    newcomer = MemberFactory(chapter=chapter, joined_on=as_of - dt.timedelta(weeks=5))
    resting = MemberFactory(chapter=chapter, joined_on=dt.date(2024, 1, 1), status="on_leave")
    gone = MemberFactory(
        chapter=chapter, joined_on=dt.date(2024, 1, 1), left_on=as_of - dt.timedelta(days=3)
    )
    for week in range(26):
        meeting = MeetingFactory(chapter=chapter, date=as_of - dt.timedelta(weeks=week))
        AttendanceFactory(meeting=meeting, member=veteran, mark="PA"[week % 2])
        ReferralFactory(giver=veteran, receiver=resting, date=meeting.date)
        if week < 5:
            ReferralFactory(giver=newcomer, receiver=veteran, date=meeting.date)
    everyone = {s.member_id: s for s in standings(chapter, as_of)}
    for member in (veteran, newcomer, resting):
        assert member_standing(member, as_of) == everyone[member.pk]
    assert member_standing(gone, as_of) is None and gone.pk not in everyone
