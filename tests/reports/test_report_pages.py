"""The report pages: who may open them, what they show, and what they cost in queries."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from reports.palms import CSV_HEADER
from tests.factories import (
    MeetingFactory,
    MemberFactory,
    ReferralFactory,
    TyfcbFactory,
)

pytestmark = pytest.mark.django_db

PAGES = ["reports:palms", "reports:palms_csv", "reports:lights", "reports:chapter"]


@pytest.mark.parametrize("name", PAGES)
def test_a_member_without_a_leadership_role_is_refused(name, login, member):
    assert login(member).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_log_in(name, client):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("account_login") in response.headers["Location"]


@pytest.mark.parametrize("name", PAGES)
def test_leaders_of_another_chapter_get_404_for_ours(name, login, chapter, other_chapter):
    from tests.conftest import _member

    their_president = _member(other_chapter, "otto@example.test", "Otto", roles=["president"])
    response = login(their_president).get(reverse(name), {"chapter": chapter.slug})
    assert response.status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_vice_president_and_staff_can_open_the_reports(name, login, vice_president, staff):
    assert login(vice_president).get(reverse(name)).status_code == 200
    response = login(staff).get(reverse(name), {"chapter": vice_president.chapter.slug})
    assert response.status_code == 200


def test_palms_page_shows_rows_totals_and_escapes_names(login, president, member):
    member.user.first_name = '<script>alert("x")</script>'
    member.user.save()
    ReferralFactory(giver=member, receiver=president, date=president.chapter.today())
    response = login(president).get(reverse("reports:palms"), {"range": "4w"})
    assert response.status_code == 200
    assert "&lt;script&gt;" in response.text
    assert "<script>alert" not in response.text
    assert "Total" in response.text


def test_palms_csv_download_matches_the_command(login, president, member):
    today = president.chapter.today()
    TyfcbFactory(writer=member, thanked=president, amount=Decimal("12.50"), date=today)
    response = login(president).get(reverse("reports:palms_csv"), {"range": "week"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert tuple(rows[0]) == CSV_HEADER
    by_email = {r[0]: r for r in rows[1:]}
    assert by_email[president.email][CSV_HEADER.index("TYFCB")] == "12.50"
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])


def test_a_custom_window_that_ends_before_it_starts_says_so(login, president):
    response = login(president).get(
        reverse("reports:palms"), {"range": "custom", "from": "2026-06-30", "to": "2026-06-01"}
    )
    assert "The window ends before it starts." in response.text


def test_csv_cells_that_look_like_formulas_are_neutralised(login, president, member):
    member.user.first_name = "=HYPERLINK(evil)"
    member.user.save()
    response = login(president).get(reverse("reports:palms_csv"))
    assert "'=HYPERLINK(evil)" in response.content.decode()


def test_my_light_shows_only_my_own_standing(login, member, other_member):
    MeetingFactory(chapter=member.chapter, date=member.chapter.today())
    response = login(member).get(reverse("reports:my_light"))
    assert response.status_code == 200
    assert member.user.first_name in response.text
    assert other_member.user.first_name not in response.text


def _grow(chapter, members: int, weeks: int):
    """A chapter of ``members`` with ``weeks`` of meetings, marks and referrals (bulk-made)."""
    from meetings.models import Attendance, Meeting
    from referrals.models import Referral

    today = chapter.today()
    people = [MemberFactory(chapter=chapter, joined_on=dt.date(2024, 1, 2)) for _ in range(members)]
    meetings = Meeting.objects.bulk_create(
        Meeting(chapter=chapter, date=day, starts_at=dt.datetime.combine(day, dt.time(7), dt.UTC))
        for day in (today - dt.timedelta(weeks=w) for w in range(weeks))
        if not Meeting.objects.filter(chapter=chapter, date=day).exists()
    )
    Attendance.objects.bulk_create(
        Attendance(meeting=m, member=p, mark="A" if i % 7 == 0 else "P")
        for m in meetings
        for i, p in enumerate(people)
    )
    Referral.objects.bulk_create(
        Referral(chapter=chapter, giver=p, receiver=people[i - 1], date=m.date, contact_name="C")
        for m in meetings
        for i, p in enumerate(people)
    )


@pytest.mark.parametrize("name", ["reports:palms", "reports:chapter", "reports:lights"])
def test_report_pages_cost_the_same_queries_for_small_and_large_chapters(
    name, login, president, django_assert_max_num_queries
):
    client = login(president)
    client.get(reverse(name))  # warm the session
    _grow(president.chapter, 10, 4)
    with django_assert_max_num_queries(40) as small:
        client.get(reverse(name))
    _grow(president.chapter, 50, 104)  # 60 members and two years of weeks in all
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


def test_region_view_is_for_staff_and_lists_every_chapter(login, staff, chapter, other_chapter):
    response = login(staff).get(reverse("reports:region"))
    assert chapter.name in response.text and other_chapter.name in response.text
    csv_response = login(staff).get(reverse("reports:region"), {"format": "csv"})
    assert csv_response.content.decode().startswith("chapter,members,light,score,P,A")


def test_region_view_shows_a_president_only_their_chapter(login, president, other_chapter):
    response = login(president).get(reverse("reports:region"))
    assert response.status_code == 200
    assert other_chapter.name not in response.text


def test_matrix_counts_who_gave_to_whom_with_the_balance(login, president, member):
    today = president.chapter.today()
    for _ in range(3):
        ReferralFactory(giver=member, receiver=president, date=today)
    ReferralFactory(giver=president, receiver=member, date=today)
    response = login(president).get(reverse("reports:chapter"))
    matrix = {row.member["pk"]: row for row in response.context["matrix"]}
    assert (matrix[member.pk].given, matrix[member.pk].received) == (3, 1)
    assert matrix[member.pk].balance == 2
    assert matrix[president.pk].balance == -2
    # Heat is relative to the busiest cell; an empty cell shows nothing.
    member_row = _matrix_row(response.text, member.full_name)
    assert '<td class="num heat-5">3</td>' in member_row
    assert '<td class="num heat-2">1</td>' in _matrix_row(response.text, president.full_name)
    # To self, and to the outside column (nobody beyond the chapter here).
    assert member_row.count('<td class="num heat-0"></td>') == 2
    assert "<svg" in response.text
    week = f"{today.day} {today:%b}"
    assert f"<title>Week ending {week}: 4 referrals</title></rect>" in response.text
    assert f"<title>Week ending {week}: 0.00\xa0GBP</title></rect>" in response.text


def _matrix_row(html: str, name: str) -> str:
    """The cells of the matrix row the page draws for ``name``, up to the row's end."""
    matrix = html[html.index('<table class="matrix">') :]
    start = matrix.index(f'<th scope="row">{escape(name)}</th>')
    return matrix[start : matrix.index("</tr>", start)]


def test_region_view_costs_the_same_queries_for_3_or_30_chapters(
    login, staff, django_assert_max_num_queries
):
    from tests.factories import ChapterFactory

    client = login(staff)
    for _ in range(3):
        _grow(ChapterFactory(), 3, 2)
    client.get(reverse("reports:region"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("reports:region"))
    for _ in range(27):
        _grow(ChapterFactory(), 3, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("reports:region"))
    assert response.content.decode().count("reports/chapter/?chapter=") == 30


def test_region_lights_equal_each_chapters_own(login, staff, chapter, other_chapter):
    from reports.lights import region_standings, standings

    _grow(chapter, 4, 3)
    _grow(other_chapter, 2, 3)
    region = region_standings([chapter, other_chapter])
    for c in (chapter, other_chapter):
        assert [(s.member_id, s.score) for s in region[c.pk]] == [
            (s.member_id, s.score) for s in standings(c)
        ]


def test_chapter_activity_totals_and_trend_by_hand(chapter, member, other_member):
    """This week / 4 weeks / 6 months and the 26 weekly points, against slips placed on the
    edges of each span (a week is the 7 days ending on today, then each 7 before it)."""
    import datetime as dt
    from decimal import Decimal

    from reports.health import chapter_activity
    from tests.factories import (
        MeetingFactory,
        OneToOneFactory,
        ReferralFactory,
        TyfcbFactory,
        VisitFactory,
        VisitorFactory,
    )

    today = chapter.today()
    days = {"today": 0, "week edge": 6, "4w first": 7, "4w edge": 27, "6m": 28, "6m edge": 181}
    for label, back in days.items():
        day = today - dt.timedelta(days=back)
        ReferralFactory(giver=member, receiver=other_member, date=day, contact_name=label)
    ReferralFactory(giver=member, receiver=other_member, date=today - dt.timedelta(days=182))
    TyfcbFactory(writer=member, thanked=other_member, date=today, amount=Decimal("10.50"))
    TyfcbFactory(writer=member, thanked=other_member, date=today - dt.timedelta(days=20))
    OneToOneFactory(member_a=member, member_b=other_member, date=today - dt.timedelta(days=3))
    OneToOneFactory(
        member_a=member, member_b=other_member, date=today - dt.timedelta(days=2), status="planned"
    )
    meeting = MeetingFactory(chapter=chapter, date=today - dt.timedelta(days=8))
    VisitFactory(visitor=VisitorFactory(chapter=chapter), meeting=meeting)

    totals, trend = chapter_activity(chapter, today)
    assert (totals["week"].referrals, totals["4w"].referrals, totals["6m"].referrals) == (2, 4, 6)
    assert totals["week"].tyfcb == Decimal("10.50")
    assert totals["4w"].tyfcb == Decimal("260.50")
    assert (totals["week"].one_to_ones, totals["6m"].one_to_ones) == (1, 1)
    assert (totals["week"].visitors, totals["4w"].visitors) == (0, 1)
    assert len(trend) == 26
    assert trend[-1].week_ending == today and trend[0].week_ending == today - dt.timedelta(weeks=25)
    assert [p.referrals for p in trend[-5:]] == [1, 1, 0, 1, 2]
    assert trend[0].referrals == 1  # 181 days back: the first day of the oldest week
    assert sum(p.referrals for p in trend) == 6
