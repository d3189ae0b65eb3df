"""The hand-written lists (``referrals.lists``) give exactly what their ORM twins give.

Each twin is the queryset the selector ran before it was written out by hand: the same rows,
in the same order, with the same values, the same names of the same people, nothing else
loaded (a field the list does not show is deferred in both).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Count, Q, Sum, Value, Window
from django.db.models.functions import Coalesce

from referrals import models as slips
from referrals import selectors
from referrals.lists import Rows, member_money
from referrals.models import Ceu, OneToOne, Referral, Tyfcb
from referrals.selectors import (
    DASHBOARD_LIST,
    DASHBOARD_NEXT,
    DASHBOARD_WAITING,
    INBOX_FIELDS,
    NAME_FIELDS,
    person_joins,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

CLOSED = list(Referral.CLOSED)


def listed(queryset, *people, fields=()):
    """The ORM's way to a list's rows: only the columns a row shows, and the names of
    ``people`` with their chapter (a LEFT JOIN where the member may be missing)."""
    names = [f"{who}__{name}" for who in people for name in (*NAME_FIELDS, "chapter__name")]
    ids = [f"{who}_id" for who in people]
    outside = ("other_name", "other_chapter_name") if hasattr(queryset.model, "other_name") else ()
    return queryset.select_related(*person_joins(*people)).only(
        "pk", "chapter_id", "date", *ids, *outside, *fields, *names
    )


def twin_next_one_to_ones(member_id, today):
    return list(
        listed(
            OneToOne.objects.naming(member_id).filter(
                status=OneToOne.Status.PLANNED, date__gte=today
            ),
            "member_a",
            "member_b",
            fields=("time", "place", "status"),
        ).order_by("date", "time", "id")[:DASHBOARD_NEXT]
    )


def twin_week(model, people, fields, member_id, start, end):
    return list(
        listed(model.objects.naming(member_id).between(start, end), *people, fields=fields)[
            :DASHBOARD_LIST
        ]
    )


def twin_waiting(member_id):
    return list(
        listed(
            Referral.objects.logged().filter(receiver_id=member_id).exclude(status__in=CLOSED),
            "giver",
            "receiver",
            fields=("contact_name", "status"),
        )
        .annotate(total=Window(Count("id")))
        .order_by("date", "id")[:DASHBOARD_WAITING]
    )


def twin_received(member_id):
    return listed(
        Referral.objects.logged().filter(receiver_id=member_id), "giver", fields=INBOX_FIELDS
    )


def twin_open_page(page, member_id):
    per = selectors.OPEN_PER_PAGE
    return list(
        twin_received(member_id)
        .exclude(status__in=CLOSED)
        .annotate(total=Window(Count("id")))
        .order_by("date", "id")[(page - 1) * per : page * per]
    )


def twin_latest_closed(member_id):
    return list(
        twin_received(member_id)
        .filter(status__in=CLOSED)
        .order_by("-date", "-id")[: selectors.CLOSED_SHOWN]
    )


def seen(rows, people) -> list:
    """What a list shows of each row: every value it loaded, and each person's name fields."""
    out = []
    for row in rows:
        loaded = {k: v for k, v in row.__dict__.items() if not k.startswith("_")}
        names = {}
        for person in people:
            member = getattr(row, person)
            names[person] = member and (
                member.pk,
                member.user.first_name,
                member.user.last_name,
                member.user.email,
                member.chapter.name,
                sorted(member.get_deferred_fields())
                == sorted(
                    f.attname
                    for f in type(member)._meta.concrete_fields
                    if f.attname not in {"id", "user_id", "chapter_id"}
                ),
            )
        out.append((type(row).__name__, loaded, names, sorted(row.get_deferred_fields())))
    return out


@pytest.fixture
def busy(member, other_member, other_chapter):
    """A member named on every kind of slip: this week, last week, open and closed, from a
    colleague, from another chapter's member and from someone outside Slipstream."""
    today = member.chapter.today()
    stranger = f.MemberFactory(chapter=other_chapter)
    for days in (0, 1, 3, 9, 40):
        day = today - dt.timedelta(days=days)
        for status in (*Referral.OPEN, *Referral.CLOSED):
            f.ReferralFactory(giver=other_member, receiver=member, date=day, status=status)
        f.ReferralFactory(giver=member, receiver=other_member, date=day)
        f.ReferralFactory(
            giver=stranger, receiver=member, chapter=other_chapter, date=day, kind="outside"
        )
        f.ReferralFactory(
            giver=None, receiver=member, chapter=member.chapter, date=day, other_name="Pat Out"
        )
        f.TyfcbFactory(writer=member, thanked=other_member, date=day, amount=Decimal("1250.50"))
        f.TyfcbFactory(writer=other_member, thanked=member, date=day, amount=Decimal("0.07"))
        f.OneToOneFactory(member_a=member, member_b=other_member, date=day)
        f.OneToOneFactory(
            member_a=other_member,
            member_b=member,
            date=today + dt.timedelta(days=days + 1),
            status=OneToOne.Status.PLANNED,
            time=dt.time(7, 30) if days % 2 else None,
        )
        f.CeuFactory(member=member, date=day)
        f.TestimonialFactory(giver=other_member, receiver=member, date=day)
    f.ReferralFactory(
        giver=other_member, receiver=member, source=Referral.Source.BNI_CONNECT, date=today
    )
    return member


def test_the_dashboards_lists_are_their_orm_twins(busy):
    member = busy
    today = member.chapter.today()
    start, end = today - dt.timedelta(days=6), today
    lists = selectors._dashboard_lists(member.pk, start, end, today)
    week_referrals, waiting = lists.week_referrals, lists.waiting
    pairs = [
        (
            lists.week_one_to_ones,
            twin_week(
                OneToOne,
                ("member_a", "member_b"),
                ("time", "place", "status"),
                member.pk,
                start,
                end,
            ),
            ("member_a", "member_b"),
        ),
        (
            lists.next_one_to_ones,
            twin_next_one_to_ones(member.pk, today),
            ("member_a", "member_b"),
        ),
        (
            week_referrals,
            twin_week(
                Referral, ("giver", "receiver"), ("contact_name", "status"), member.pk, start, end
            ),
            ("giver", "receiver"),
        ),
        (
            lists.tyfcbs,
            twin_week(Tyfcb, ("writer", "thanked"), ("amount",), member.pk, start, end),
            ("writer", "thanked"),
        ),
        (
            lists.ceus,
            list(
                Ceu.objects.filter(member_id=member.pk)
                .between(start, end)
                .only("pk", "chapter_id", "date", "member_id", "topic", "credits")[:DASHBOARD_LIST]
            ),
            (),
        ),
        (
            lists.testimonials,
            twin_week(slips.Testimonial, ("giver", "receiver"), (), member.pk, start, end),
            ("giver", "receiver"),
        ),
        (waiting, twin_waiting(member.pk), ("giver", "receiver")),
    ]
    for written, twin, people in pairs:
        assert written, "the fixture names the member on every list"
        assert seen(written, people) == seen(twin, people)


def test_the_inboxs_lists_are_their_orm_twins(busy):
    member = busy
    for page in (1, 2, 3):
        open_, closed = selectors._open_page_and_closed(page, member.pk)
        assert seen(open_, ("giver",)) == seen(twin_open_page(page, member.pk), ("giver",))
        assert len(closed) == selectors.CLOSED_SHOWN
        assert seen(closed, ("giver",)) == seen(twin_latest_closed(member.pk), ("giver",))


def test_a_field_a_list_does_not_show_costs_a_query_as_with_the_orm(
    busy, django_assert_num_queries
):
    today = busy.chapter.today()
    start = today - dt.timedelta(days=6)
    waiting = selectors._dashboard_lists(busy.pk, start, today, today).waiting
    referral = waiting[0]
    with django_assert_num_queries(1):
        assert referral.need  # deferred: read on demand, as ``only()`` would


def test_the_dashboards_money_is_its_orm_twin(busy, other_member):
    today = busy.chapter.today()
    window = selectors.six_month_window(today)
    zero = Decimal("0.00")
    for member_id in (busy.pk, other_member.pk, -1):
        twin = (
            Tyfcb.objects.naming(member_id)
            .between(*window)
            .order_by()
            .values(everything=Value(1))
            .annotate(
                received=Coalesce(Sum("amount", filter=Q(writer_id=member_id)), zero),
                generated=Coalesce(Sum("amount", filter=Q(thanked_id=member_id)), zero),
                written=Count("id", filter=Q(writer_id=member_id)),
                thanked=Count("id", filter=Q(thanked_id=member_id)),
            )
        )
        expected = {"received": zero, "generated": zero, "written": 0, "thanked": 0}
        if twin:
            expected = {k: v for k, v in twin[0].items() if k != "everything"}
            expected["received"] = Decimal(expected["received"]).quantize(Decimal("0.01"))
            expected["generated"] = Decimal(expected["generated"]).quantize(Decimal("0.01"))
        assert member_money(member_id, *window) == expected
    assert member_money(busy.pk, *window)["received"] == Decimal("6252.50")


def test_lists_fetched_together_keep_apart_when_one_is_empty(member, other_member):
    """The dashboard's lists share a round trip: each part keeps its own rows, order and
    count, whichever of them holds nothing."""
    today = member.chapter.today()
    start, end = today - dt.timedelta(days=6), today

    def referrals(member_id):
        lists = selectors._dashboard_lists(member_id, start, end, today)
        return lists.week_referrals, lists.waiting

    assert referrals(member.pk) == ([], [])
    given = [
        f.ReferralFactory(giver=member, receiver=other_member, date=today - dt.timedelta(days=n))
        for n in range(3)
    ]
    week, waiting = referrals(member.pk)
    assert [r.pk for r in week] == [r.pk for r in given]  # newest first
    assert waiting == []
    week, waiting = referrals(other_member.pk)
    assert [r.pk for r in week] == [r.pk for r in given]
    assert [r.pk for r in waiting] == [r.pk for r in reversed(given)]  # oldest first
    assert {r.total for r in waiting} == {3} and waiting.total == 3
    old = f.ReferralFactory(giver=member, receiver=other_member, date=today - dt.timedelta(days=30))
    week, waiting = referrals(other_member.pk)
    assert old.pk not in [r.pk for r in week]
    assert waiting[0].pk == old.pk
    assert {r.total for r in waiting} == {4}
    # The other lists of the round trip hold nothing, each on its own.
    lists = selectors._dashboard_lists(other_member.pk, start, end, today)
    assert lists.tyfcbs == [] and lists.ceus == [] and lists.week_one_to_ones == []


def test_rows_build_each_instance_once_and_only_when_asked_for():
    built = []

    def build(values):
        built.append(values)
        return {"id": values[0]}

    rows = Rows(build, raw=[(1, "a"), (2, "b"), (3, "c")], each=[(1,), (2,), (3,)])
    assert len(rows) == 3 and rows and built == []  # read, drawn from nothing yet
    assert rows[1] == {"id": 2} and rows[1] is rows[1]
    assert built == [(2, "b")]
    assert [r["id"] for r in rows] == [1, 2, 3] and rows[-1:] == [{"id": 3}]
    assert len(built) == 3
    assert not Rows(build, raw=[], each=[]) and Rows(build, raw=[], each=[]) == []
