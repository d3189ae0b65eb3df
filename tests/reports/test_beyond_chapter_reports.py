"""The president's chapter page, the traffic lights and the region view with slips across the
chapter line and people outside Slipstream (DOMAIN.md "Beyond the chapter"): each chapter counts
what its own members did, a slip between two chapters counts in both, outside parties get no
row, and the referral matrix gathers everyone beyond the chapter in one "outside" row and
column."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from meetings.models import Attendance, Meeting
from referrals.models import OneToOne, Referral, Tyfcb
from reports.health import chapter_activity, referral_matrix
from reports.lights import region_standings, standings
from reports.palms import palms_rows
from tests.conftest import _member
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def person(chapter, email, first, last):
    return MemberFactory(
        chapter=chapter, user=UserFactory(email=email, first_name=first, last_name=last)
    )


@pytest.fixture
def today(chapter):
    return chapter.today()


@pytest.fixture
def people(chapter, other_chapter):
    """Riverside: Alice and Bob. Hilltop: Pat and Quinn."""
    return {
        "alice": person(chapter, "alice@example.test", "Alice", "Ash"),
        "bob": person(chapter, "bob@example.test", "Bob", "Birch"),
        "pat": person(other_chapter, "pat@example.test", "Pat", "Lee"),
        "quinn": person(other_chapter, "quinn@example.test", "Quinn", "Oak"),
    }


def refer(giver, receiver, day, *, chapter=None, kind="inside", **outside):
    return Referral.objects.create(
        chapter=chapter or giver.chapter,
        giver=giver,
        receiver=receiver,
        date=day,
        contact_name="C",
        kind=kind,
        **outside,
    )


def meet(a, b, day, status="done"):
    low, high = sorted((a, b), key=lambda m: m.pk)
    return OneToOne.objects.create(
        chapter=a.chapter, member_a=low, member_b=high, date=day, status=status
    )


@pytest.fixture
def across(chapter, other_chapter, people, today):
    """A week of slips in, across and beyond the two chapters."""
    alice, bob, pat, quinn = (people[k] for k in ("alice", "bob", "pat", "quinn"))
    refer(alice, bob, today)  # in Riverside
    refer(alice, pat, today)  # Riverside → Hilltop
    refer(alice, pat, today, kind="outside")
    refer(pat, bob, today)  # Hilltop → Riverside
    refer(None, alice, today, chapter=chapter, other_name="BNI")  # from BNI
    refer(pat, quinn, today)  # in Hilltop only
    Tyfcb.objects.create(chapter=chapter, writer=alice, thanked=pat, date=today, amount=100)
    Tyfcb.objects.create(chapter=other_chapter, writer=pat, thanked=bob, date=today, amount=7)
    Tyfcb.objects.create(chapter=chapter, thanked=alice, date=today, amount=20)  # unknown writer
    Tyfcb.objects.create(
        chapter=chapter, writer=bob, other_name="Old Member", date=today, amount=900
    )
    meet(alice, bob, today)
    meet(alice, pat, today)
    meet(quinn, pat, today)
    meet(alice, quinn, today, status="planned")
    OneToOne.objects.create(
        chapter=chapter, member_a=bob, other_name="Visitor Vee", date=today, status="done"
    )


def test_chapter_activity_counts_what_the_chapters_own_members_did_once(
    chapter, other_chapter, across, today
):
    ours, _ = chapter_activity(chapter, today)
    # Referrals: Alice→Bob, Alice→Pat ×2, Pat→Bob, BNI→Alice; not Pat→Quinn.
    assert ours["week"].referrals == 5
    # TYFCB: by the thanked member's chapter: Pat→Bob 7 and the unknown writer's 20.
    assert ours["week"].tyfcb == Decimal("27.00")
    # Done 1-2-1s: Alice & Bob, Alice & Pat, Bob & Visitor Vee (once each).
    assert ours["week"].one_to_ones == 3
    theirs, _ = chapter_activity(other_chapter, today)
    assert theirs["week"].referrals == 4  # Alice→Pat ×2, Pat→Bob, Pat→Quinn
    assert theirs["week"].tyfcb == Decimal("100.00")
    assert theirs["week"].one_to_ones == 2  # Alice & Pat, Quinn & Pat


def test_the_matrix_has_one_outside_row_and_column(chapter, other_chapter, people, across, today):
    alice, bob = people["alice"], people["bob"]
    rows = referral_matrix(chapter, today, today)
    assert [r.member["name"] for r in rows] == ["Alice Ash", "Bob Birch", "Outside the chapter"]
    cells = {r.member["name"]: _cells(r.cells) for r in rows}
    # Columns: Alice, Bob, outside.
    assert cells["Alice Ash"] == ["", "1", "2"]
    assert cells["Bob Birch"] == ["", "", ""]
    assert cells["Outside the chapter"] == ["1", "1", ""]  # BNI → Alice, Pat → Bob
    by_pk = {r.member["pk"]: r for r in rows}
    assert (by_pk[alice.pk].given, by_pk[alice.pk].received) == (3, 1)
    assert (by_pk[bob.pk].given, by_pk[bob.pk].received) == (0, 2)
    outside = rows[-1]
    assert outside.outside and (outside.given, outside.received, outside.balance) == (2, 2, 0)
    theirs = referral_matrix(other_chapter, today, today)
    assert [r.member["name"] for r in theirs] == ["Pat Lee", "Quinn Oak", "Outside the chapter"]
    assert {r.member["name"]: _cells(r.cells) for r in theirs} == {
        "Pat Lee": ["", "1", "1"],
        "Quinn Oak": ["", "", ""],
        "Outside the chapter": ["2", "", ""],  # Alice → Pat, twice
    }


def _cells(cells: list[tuple[int, int]]) -> list[str]:
    """A row's counts as the page shows them: nothing for a zero."""
    return [str(count) if count else "" for _heat, count in cells]


def test_the_chapter_page_draws_the_outside_row_and_column(login, chapter, across):
    president = _member(chapter, "priya@example.test", "Priya", roles=["president"])
    html = login(president).get(reverse("reports:chapter"), {"range": "week"}).text
    assert '<th scope="col" class="vertical outside"><span>Outside the chapter</span></th>' in html
    assert '<tr class="outside"><th scope="row">Outside the chapter</th>' in html


def test_the_chapter_page_costs_the_same_queries_with_slips_across_the_line(
    login, chapter, people, across, today, django_assert_max_num_queries
):
    from triggers.revision import touch

    president = _member(chapter, "priya@example.test", "Priya", roles=["president"])
    client = login(president)
    client.get(reverse("reports:chapter"))
    touch(chapter.pk)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("reports:chapter"))
    for i in range(20):
        refer(people["pat"], people["alice"], today - dt.timedelta(days=i))
        refer(None, people["bob"], today, chapter=chapter, other_name=f"Outsider {i}")
    touch(chapter.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("reports:chapter")).status_code == 200


def test_palms_counts_each_side_in_its_own_chapter_and_no_row_outside(
    chapter, other_chapter, people, across, today
):
    ours = {r.email: r.values for r in palms_rows(chapter, today, today)}
    theirs = {r.email: r.values for r in palms_rows(other_chapter, today, today)}
    assert set(ours) == {"alice@example.test", "bob@example.test"}
    assert set(theirs) == {"pat@example.test", "quinn@example.test"}
    alice, bob = ours["alice@example.test"], ours["bob@example.test"]
    pat = theirs["pat@example.test"]
    assert (alice["RGI"], alice["RGO"], alice["RRI"]) == (2, 1, 1)
    assert (bob["RRI"], bob["TYFCB"], bob["121"]) == (2, Decimal("7.00"), 2)
    assert (pat["RRI"], pat["RRO"], pat["RGI"], pat["TYFCB"]) == (1, 1, 2, Decimal("100.00"))
    assert alice["TYFCB"] == Decimal("20.00")  # the unknown writer's thank-you
    assert (alice["121"], pat["121"]) == (2, 2)
    region = palms_rows([chapter, other_chapter], today, today)
    assert {r.email: r.values for r in region} == ours | theirs


def test_the_lights_score_a_referral_across_the_line_for_both_sides(
    chapter, other_chapter, people, today
):
    for c in (chapter, other_chapter):
        meeting = Meeting.objects.create(
            chapter=c, date=today, starts_at=dt.datetime.combine(today, dt.time(7), dt.UTC)
        )
        for m in c.members.all():
            Attendance.objects.create(meeting=meeting, member=m, mark="P")
    before = {s.member_id: s for s in standings(chapter, today)}
    refer(people["pat"], people["alice"], today)
    refer(people["alice"], people["pat"], today)
    after = {s.member_id: s for s in standings(chapter, today)}
    alice = people["alice"].pk
    assert after[alice].palms["RGI"] == 1 and after[alice].palms["RRI"] == 1
    assert after[alice].score > before[alice].score  # one referral given a week: 20 points
    region = region_standings([chapter, other_chapter])
    assert [(s.member_id, s.score) for s in region[chapter.pk]] == [
        (s.member_id, s.score) for s in standings(chapter, today)
    ]
    assert [(s.member_id, s.score) for s in region[other_chapter.pk]] == [
        (s.member_id, s.score) for s in standings(other_chapter, today)
    ]


def test_the_region_counts_a_referral_between_its_chapters_once_in_each(
    login, staff, chapter, other_chapter, people, today
):
    refer(people["alice"], people["pat"], today)
    refer(None, people["bob"], today, chapter=chapter, other_name="BNI")
    response = login(staff).get(reverse("reports:region"), {"range": "week"})
    totals = {s["chapter"].pk: s["totals"] for s in response.context["summaries"]}
    assert (totals[chapter.pk]["RGI"], totals[chapter.pk]["RRI"]) == (1, 1)
    assert (totals[other_chapter.pk]["RGI"], totals[other_chapter.pk]["RRI"]) == (0, 1)
