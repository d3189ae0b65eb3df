"""The member's dashboard and inbox: right numbers, a fixed number of queries."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import (
    CeuFactory,
    MemberFactory,
    OneToOneFactory,
    ReferralFactory,
    TyfcbFactory,
)
from tests.referrals.factories import many_slips
from triggers.revision import touch

pytestmark = pytest.mark.django_db


def test_home_is_the_dashboard_for_a_member(login, member):
    response = login(member).get(reverse("home"))
    assert "referrals/dashboard.html" in [t.name for t in response.templates]
    assert "My traffic light" in response.content.decode()
    assert response.context["standing"].member_id == member.pk


def test_home_stays_the_welcome_page_for_staff_without_a_seat(login, staff):
    response = login(staff).get(reverse("home"))
    assert "home.html" in [t.name for t in response.templates]


def test_dashboard_shows_the_week_waiting_next_and_six_months(login, member, other_member, today):
    ReferralFactory(giver=member, receiver=other_member, date=today, contact_name="Given Now")
    ReferralFactory(giver=other_member, receiver=member, date=today, contact_name="Waiting One")
    ReferralFactory(
        giver=other_member, receiver=member, contact_name="Closed One", status="won",
        date=today - dt.timedelta(days=30),
    )  # fmt: skip
    OneToOneFactory(
        member_a=member, member_b=other_member, date=today + dt.timedelta(days=1),
        status="planned", place="Café Nero",
    )  # fmt: skip
    TyfcbFactory(writer=member, thanked=other_member, amount=Decimal("100.00"), date=today)
    TyfcbFactory(writer=other_member, thanked=member, amount=Decimal("250.50"), date=today)
    TyfcbFactory(
        writer=other_member,
        thanked=member,
        amount=Decimal("999"),
        date=today - dt.timedelta(weeks=30),
    )  # fmt: skip  (outside the six months)
    CeuFactory(member=member, date=today, credits=2)

    response = login(member).get(reverse("home"))
    board = response.context["board"]
    assert [r.contact_name for r in board.waiting] == ["Waiting One"]
    assert board.business_received == Decimal("100.00")
    assert board.business_generated == Decimal("250.50")
    palms = response.context["standing"].palms
    assert palms["CEU"] == 2
    assert palms["RGI"] == 1
    html = response.content.decode()
    assert "Café Nero" in html
    assert "Given Now" in html


def test_dashboard_lists_the_five_oldest_waiting_and_counts_them_all(
    login, member, other_member, today
):
    for days in range(7):
        ReferralFactory(
            giver=other_member, receiver=member, contact_name=f"Waiting {days}",
            date=today - dt.timedelta(days=days),
        )  # fmt: skip
    ReferralFactory(giver=other_member, receiver=member, contact_name="Won", status="won")

    response = login(member).get(reverse("home"))
    board = response.context["board"]
    assert [r.contact_name for r in board.waiting] == [f"Waiting {d}" for d in (6, 5, 4, 3, 2)]
    assert board.waiting_count == 7
    html = response.content.decode()
    section = html[html.index('id="waiting-heading"') : html.index('id="next-heading"')]
    assert "Waiting 2" in section and "Waiting 1" not in section
    assert "All 7 in my inbox" in section


def _build(member, chapter, today, count):
    others = [MemberFactory(chapter=chapter) for _ in range(4)]
    many_slips(member, others, count, today)


@pytest.mark.parametrize("count", [5, 500])
def test_dashboard_query_count_is_fixed(
    login, chapter, member, today, count, django_assert_num_queries
):
    _build(member, chapter, today, count)
    client = login(member)
    client.get(reverse("home"))
    touch(chapter.pk)  # drawn afresh, as after any write in the chapter
    # the user with their seat (the session is cached), every list in one statement (the
    # week's slips of each kind, the waiting list and its count, the 1-2-1s of the week and
    # the next), money, the standing: the PALMS union + meeting dates (the member's own PALMS
    # record comes from the viewer's seat), and the attendance policy's one statement (the
    # page says when the member is at risk)
    with django_assert_num_queries(6):
        client.get(reverse("home"))
    # Nothing changed since: the board comes from the cache; only the user with their seat.
    with django_assert_num_queries(1):
        client.get(reverse("home"))


@pytest.mark.parametrize("count", [5, 500])
def test_inbox_query_count_is_fixed(
    login, chapter, member, today, count, django_assert_num_queries
):
    _build(member, chapter, today, count)
    client = login(member)
    with django_assert_num_queries(2):
        response = client.get(reverse("referrals:inbox"))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 500])
def test_given_query_count_is_fixed(
    login, chapter, member, today, count, django_assert_num_queries
):
    _build(member, chapter, today, count)
    client = login(member)
    with django_assert_num_queries(4):
        client.get(reverse("referrals:given"))


def test_inbox_pages_the_open_referrals_oldest_first(login, member, other_member, today):
    """Two years of unanswered referrals must not make the page grow: 10 a page, the total
    from the same query, then the next page; a page past the end shows the first."""
    for i in range(45):
        ReferralFactory(
            giver=other_member, receiver=member, contact_name=f"Open {i:02d}",
            date=today - dt.timedelta(days=100 - i),
        )  # fmt: skip
    for i in range(12):
        ReferralFactory(
            giver=other_member, receiver=member, contact_name=f"Closed {i:02d}", status="lost",
            date=today - dt.timedelta(days=i),
        )  # fmt: skip
    client = login(member)
    first = client.get(reverse("referrals:inbox"))
    inbox = first.context["inbox"]
    assert inbox.open_total == 45 and inbox.pages == 5
    assert [r.contact_name for r in inbox.open] == [f"Open {i:02d}" for i in range(10)]
    assert [r.contact_name for r in inbox.closed] == [f"Closed {i:02d}" for i in range(5)]
    html = first.content.decode()
    assert "Waiting for your update (45)" in html
    assert 'href="?page=2"' in html and "page 1 of 5" in html
    last = client.get(reverse("referrals:inbox"), {"page": "5"}).context["inbox"]
    assert [r.contact_name for r in last.open] == [f"Open {i:02d}" for i in range(40, 45)]
    assert last.previous_page == 4 and last.next_page is None
    for junk in ("99", "0", "-1", "abc", "9" * 40):  # some come from the cache: read the HTML
        html = client.get(reverse("referrals:inbox"), {"page": junk}).text
        assert "page 1 of 5" in html
        assert re.findall(r"<strong>(Open \d\d)</strong>", html) == [
            f"Open {i:02d}" for i in range(10)
        ]


def test_inbox_with_nothing_open_says_so(login, member):
    html = login(member).get(reverse("referrals:inbox")).content.decode()
    assert "Nothing waits for you" in html
    assert "Waiting for your update (0)" in html


def test_the_kept_dashboard_shows_a_slip_logged_since(login, member, other_member, today):
    client = login(member)
    assert "Fresh Lead" not in client.get(reverse("home")).text
    ReferralFactory(giver=other_member, receiver=member, date=today, contact_name="Fresh Lead")
    assert "Fresh Lead" in client.get(reverse("home")).text


def test_each_session_gets_its_own_csrf_input_in_a_kept_dashboard(member, other_member, today):
    """The board is drawn once; the 1-2-1 buttons still post with this browser's own token."""
    from django.test import Client

    one_to_one = OneToOneFactory(
        member_a=member, member_b=other_member, date=today, status="planned"
    )
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(member.user)
    second.force_login(member.user)
    first.get(reverse("home"))  # draws and keeps the board
    page = second.get(reverse("home")).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert "<!--csrf-->" not in page
    response = second.post(
        reverse("referrals:one_to_one_status", args=[one_to_one.pk]),
        {"status": "done", "csrfmiddlewaretoken": token},
    )
    assert response.status_code in (200, 302)
    one_to_one.refresh_from_db()
    assert one_to_one.status == "done"
