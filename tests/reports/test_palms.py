"""PALMS by hand: a small chapter whose every column and boundary is worked out below."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from members.models import Member
from referrals.models import OneToOne, Referral
from reports.palms import CSV_HEADER, palms_rows, palms_totals
from tests.factories import (
    AttendanceFactory,
    CeuFactory,
    ChapterFactory,
    MeetingFactory,
    MemberFactory,
    OneToOneFactory,
    ReferralFactory,
    TyfcbFactory,
    UserFactory,
    VisitFactory,
    VisitorFactory,
)
from tests.factories import (
    TestimonialFactory as PraiseFactory,
)

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 6, 2), dt.date(2026, 6, 30)
D = dt.date


def person(chapter, email, first, last, **kwargs):
    user = UserFactory(email=email, first_name=first, last_name=last)
    return MemberFactory(chapter=chapter, user=user, **kwargs)


@pytest.fixture
def history():
    chapter = ChapterFactory(slug="palms-town")
    alice = person(chapter, "alice@x.test", "Alice", "Able", joined_on=D(2024, 1, 2))
    bob = person(chapter, "bob@x.test", "Bob", "Baker", joined_on=D(2026, 6, 16))
    person(
        chapter,
        "carol@x.test",
        "Carol",
        "Cole",
        joined_on=D(2025, 1, 7),
        left_on=D(2026, 6, 1),
        status=Member.Status.DROPPED,
    )  # fmt: skip  (left the day before the window: no row)
    dave = person(
        chapter,
        "dave@x.test",
        "Dave",
        "Dunn",
        joined_on=D(2025, 1, 7),
        left_on=D(2026, 6, 2),
        status=Member.Status.DROPPED,
    )  # fmt: skip  (last day is the window's first day: a row)
    person(chapter, "erin@x.test", "Erin", "Ezra", joined_on=D(2026, 6, 9),
           status=Member.Status.APPLICANT)  # fmt: skip
    person(chapter, "frank@x.test", "Frank", "Ford", joined_on=D(2026, 7, 1))
    gina = person(chapter, "gina@x.test", "Gina", "Gold", joined_on=D(2026, 6, 30))
    other = ChapterFactory(slug="elsewhere")
    stranger = person(other, "zed@x.test", "Zed", "Zane", joined_on=D(2024, 1, 2))

    meetings = {d: MeetingFactory(chapter=chapter, date=d) for d in
                [D(2026, 5, 26), D(2026, 6, 2), D(2026, 6, 9), D(2026, 6, 23),
                 D(2026, 6, 30), D(2026, 7, 7)]}  # fmt: skip
    meetings[D(2026, 6, 16)] = MeetingFactory(
        chapter=chapter, date=D(2026, 6, 16), cancelled=True, cancel_reason="Holiday"
    )
    for day, mark in [(D(2026, 5, 26), "A"), (D(2026, 6, 2), "P"), (D(2026, 6, 9), "L"),
                      (D(2026, 6, 16), "M"), (D(2026, 6, 23), "S"), (D(2026, 6, 30), "A"),
                      (D(2026, 7, 7), "P")]:  # fmt: skip
        AttendanceFactory(
            meeting=meetings[day], member=alice, mark=mark,
            substitute_name="Sub Stitute" if mark == "S" else "",
        )  # fmt: skip
    AttendanceFactory(meeting=meetings[D(2026, 6, 2)], member=dave, mark="M")
    AttendanceFactory(meeting=meetings[D(2026, 6, 23)], member=bob, mark="P")
    AttendanceFactory(meeting=meetings[D(2026, 6, 30)], member=bob, mark="A")
    other_meeting = MeetingFactory(chapter=other, date=D(2026, 6, 9))
    AttendanceFactory(meeting=other_meeting, member=stranger, mark="A")

    inside, outside = Referral.Kind.INSIDE, Referral.Kind.OUTSIDE
    ReferralFactory(giver=alice, receiver=bob, kind=inside, date=D(2026, 6, 2))
    ReferralFactory(giver=alice, receiver=bob, kind=outside, date=D(2026, 6, 30))
    ReferralFactory(giver=alice, receiver=dave, kind=outside, date=D(2026, 6, 1))
    ReferralFactory(giver=bob, receiver=alice, kind=inside, date=D(2026, 6, 20))

    done, planned, cancelled = (OneToOne.Status.DONE, OneToOne.Status.PLANNED,
                                OneToOne.Status.CANCELLED)  # fmt: skip
    OneToOneFactory(member_a=bob, member_b=alice, date=D(2026, 6, 23), status=done)
    OneToOneFactory(member_a=alice, member_b=gina, date=D(2026, 6, 30), status=done)
    OneToOneFactory(member_a=alice, member_b=bob, date=D(2026, 6, 25), status=planned)
    OneToOneFactory(member_a=alice, member_b=dave, date=D(2026, 6, 2), status=cancelled)
    OneToOneFactory(member_a=alice, member_b=bob, date=D(2026, 7, 1), status=done)

    TyfcbFactory(writer=bob, thanked=alice, amount=Decimal("1000.50"), date=D(2026, 6, 10))
    TyfcbFactory(writer=dave, thanked=alice, amount=Decimal("99.99"), date=D(2026, 6, 2))
    TyfcbFactory(writer=alice, thanked=bob, amount=Decimal("10"), date=D(2026, 6, 30))
    TyfcbFactory(writer=bob, thanked=alice, amount=Decimal("5"), date=D(2026, 7, 1))

    def visit(invited_by, day, attended):
        VisitFactory(
            visitor=VisitorFactory(chapter=chapter),
            meeting=meetings[day], invited_by=invited_by, attended=attended,
        )  # fmt: skip

    visit(alice, D(2026, 6, 9), True)
    visit(alice, D(2026, 6, 23), False)
    visit(bob, D(2026, 6, 30), True)
    visit(alice, D(2026, 5, 26), True)

    CeuFactory(member=alice, credits=2, date=D(2026, 6, 5))
    CeuFactory(member=alice, credits=1, date=D(2026, 6, 30), topic="Workshop")
    CeuFactory(member=gina, credits=1, date=D(2026, 6, 30))
    PraiseFactory(giver=alice, receiver=bob, date=D(2026, 6, 9))
    PraiseFactory(giver=bob, receiver=alice, date=D(2026, 6, 2))
    PraiseFactory(giver=alice, receiver=bob, date=D(2026, 7, 1))
    return chapter


EXPECTED = {
    #              P  A  L  M  S RGI RGO RRI RRO V 121   TYFCB          CEU T
    "alice@x.test": [1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 2, Decimal("1100.49"), 3, 1],
    "bob@x.test": [1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 1, Decimal("10.00"), 0, 1],
    "dave@x.test": [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, Decimal("0.00"), 0, 0],
    "gina@x.test": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, Decimal("0.00"), 1, 0],
}


def test_palms_rows_match_the_hand_count(history):
    rows = palms_rows(history, START, END)
    assert [r.email for r in rows] == list(EXPECTED)
    for row in rows:
        assert [row[c] for c in CSV_HEADER[2:]] == EXPECTED[row.email], row.email
    assert rows[0].name == "Alice Able"


def test_totals_row_adds_up(history):
    totals = palms_totals(palms_rows(history, START, END))
    assert totals["TYFCB"] == Decimal("1110.49")
    assert totals["121"] == 4  # two done 1-2-1s, each counted for both members
    assert totals["RGI"] + totals["RGO"] == totals["RRI"] + totals["RRO"] == 3


def test_palms_command_prints_the_csv_byte_for_byte(history):
    out = StringIO()
    call_command("palms", "palms-town", "--from", "2026-06-02", "--to", "2026-06-30", stdout=out)
    assert out.getvalue() == (
        "member_email,member_name,P,A,L,M,S,RGI,RGO,RRI,RRO,V,121,TYFCB,CEU,T\n"
        "alice@x.test,Alice Able,1,1,1,0,1,1,1,1,0,1,2,1100.49,3,1\n"
        "bob@x.test,Bob Baker,1,1,0,0,0,1,0,1,1,1,1,10.00,0,1\n"
        "dave@x.test,Dave Dunn,0,0,0,1,0,0,0,0,0,0,0,0.00,0,0\n"
        "gina@x.test,Gina Gold,0,0,0,0,0,0,0,0,0,0,1,0.00,1,0\n"
    )


def test_palms_query_count_does_not_grow_with_the_chapter(history, django_assert_num_queries):
    with django_assert_num_queries(2):
        palms_rows(history, START, END)
    chapter = history
    for _ in range(20):
        extra = MemberFactory(chapter=chapter)
        ReferralFactory(giver=extra, receiver=Member.objects.get(user__email="alice@x.test"),
                        date=D(2026, 6, 10))  # fmt: skip
    with django_assert_num_queries(2):
        assert len(palms_rows(chapter, START, END)) == 24


def test_palms_command_rejects_bad_input():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("palms", "x", "--from", "2026-13-01", "--to", "2026-06-30")
    with pytest.raises(CommandError, match="No chapter"):
        call_command("palms", "nowhere", "--from", "2026-06-01", "--to", "2026-06-30")


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_regions_palms_is_never_prepared_but_a_chapters_is(chapter, other_chapter):
    """Prepared statements get one generic plan; a region's thousand-id queries must not."""
    from django.db import connection

    start, end = dt.date(2026, 5, 1), dt.date(2026, 10, 30)

    def prepared_unions() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%UNION ALL%"],
            )
            return cursor.fetchone()[0]

    for where in (chapter, other_chapter):
        MemberFactory(chapter=where, joined_on=dt.date(2025, 1, 1))
    for _ in range(4):
        assert len(palms_rows([chapter, other_chapter], start, end)) == 2
    assert prepared_unions() == 0
    assert connection.connection.prepare_threshold == 2  # put back
    for _ in range(4):
        palms_rows(chapter, start, end)
    assert prepared_unions() == 1
