"""Property: on random small chapter histories, PALMS equals a plain Python recount."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings.models import Attendance, Meeting, Visit, Visitor
from members.models import Member
from referrals import models as slips
from referrals.models import Ceu, OneToOne, Referral, Tyfcb
from reports.palms import COLUMNS, palms_rows
from tests.factories import ChapterFactory, ClassificationFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = dt.date(2026, 1, 6)  # a Tuesday
DAYS = 70


def day(n: int) -> dt.date:
    return BASE + dt.timedelta(days=n)


member_spec = st.tuples(
    st.integers(0, DAYS),  # joined
    st.one_of(st.none(), st.integers(0, DAYS)),  # left (after joined, clamped below)
    st.sampled_from(["active", "active", "on_leave", "dropped", "applicant"]),
)
slip = st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, DAYS), st.integers(0, 9))
history = st.fixed_dictionaries(
    {
        "members": st.lists(member_spec, min_size=2, max_size=6),
        "cancelled": st.sets(st.integers(0, 9), max_size=3),
        "marks": st.lists(st.tuples(st.integers(0, 5), st.integers(0, 9),
                                    st.sampled_from("PALMS")), max_size=30),
        "referrals": st.lists(slip, max_size=12),
        "tyfcbs": st.lists(slip, max_size=8),
        "one_to_ones": st.lists(slip, max_size=8),
        "ceus": st.lists(slip, max_size=8),
        "testimonials": st.lists(slip, max_size=6),
        "visits": st.lists(st.tuples(st.integers(0, 5), st.integers(0, 9), st.booleans()),
                           max_size=8),
        "window": st.tuples(st.integers(0, DAYS), st.integers(0, DAYS)),
    }
)  # fmt: skip


def build(h):
    chapter = ChapterFactory(meeting_weekday=1)
    members = []
    for i, (joined, left, status) in enumerate(h["members"]):
        if status == "dropped":
            left = max(joined, left if left is not None else joined)
        elif left is not None:
            left = None
        members.append(
            Member.objects.create(
                user=UserFactory(email=f"m{i}@prop.test", first_name=f"M{i}", last_name="X"),
                chapter=chapter,
                classification=ClassificationFactory(),
                joined_on=day(joined),
                left_on=day(left) if left is not None else None,
                status=status,
            )
        )
    meetings = [
        Meeting.objects.create(
            chapter=chapter, date=day(7 * w), starts_at=dt.datetime(2026, 1, 6, 7, tzinfo=dt.UTC),
            cancelled=w in h["cancelled"], cancel_reason="Holiday" if w in h["cancelled"] else "",
        )
        for w in range(10)
    ]  # fmt: skip
    n = len(members)
    marks = {}
    for m, w, mark in h["marks"]:
        marks[(m % n, w)] = mark
    for (m, w), mark in marks.items():
        Attendance.objects.create(
            meeting=meetings[w], member=members[m], mark=mark,
            substitute_name="Sub" if mark == "S" else "",
        )  # fmt: skip

    def pairs(spec):
        for a, b, d, extra in spec:
            a, b = a % n, b % n
            if a != b:
                yield members[a], members[b], day(d), extra

    for g, r, d, extra in pairs(h["referrals"]):
        kind = "inside" if extra % 2 else "outside"
        Referral.objects.create(
            chapter=chapter, giver=g, receiver=r, date=d, contact_name="C", kind=kind
        )
    for w, t, d, extra in pairs(h["tyfcbs"]):
        Tyfcb.objects.create(chapter=chapter, writer=w, thanked=t, date=d,
                             amount=Decimal(extra * 137 + 1) / 4)  # fmt: skip
    for a, b, d, extra in pairs(h["one_to_ones"]):
        OneToOne.objects.get_or_create(
            chapter=chapter, member_a=min(a, b, key=lambda m: m.pk),
            member_b=max(a, b, key=lambda m: m.pk), date=d,
            defaults={"status": ["done", "planned", "cancelled"][extra % 3]},
        )  # fmt: skip
    for a, _, d, extra in pairs(h["ceus"]):
        Ceu.objects.create(chapter=chapter, member=a, date=d, topic="T", credits=extra + 1)
    for g, r, d, _ in pairs(h["testimonials"]):
        slips.Testimonial.objects.create(chapter=chapter, giver=g, receiver=r, date=d, text="Good")
    for i, (m, w, attended) in enumerate(h["visits"]):
        visitor = Visitor.objects.create(chapter=chapter, name=f"V{i}")
        Visit.objects.create(
            visitor=visitor, meeting=meetings[w], invited_by=members[m % n], attended=attended
        )
    return chapter


def recount(chapter, start, end):
    """PALMS the long way: walk every row in Python, exactly as DOMAIN.md reads."""
    expected = {}
    for m in Member.objects.filter(chapter=chapter).select_related("user"):
        if m.status == "applicant" or m.joined_on > end or (m.left_on and m.left_on < start):
            continue
        values = dict.fromkeys(COLUMNS, 0)
        values["TYFCB"] = Decimal("0.00")
        for a in Attendance.objects.filter(member=m).select_related("meeting"):
            if not a.meeting.cancelled and start <= a.meeting.date <= end:
                values[a.mark] += 1
        for r in Referral.objects.filter(chapter=chapter):
            if start <= r.date <= end:
                tag = "I" if r.kind == "inside" else "O"
                if r.giver_id == m.pk:
                    values["RG" + tag] += 1
                if r.receiver_id == m.pk:
                    values["RR" + tag] += 1
        for v in Visit.objects.filter(invited_by=m).select_related("meeting"):
            if v.attended and not v.meeting.cancelled and start <= v.meeting.date <= end:
                values["V"] += 1
        for o in OneToOne.objects.filter(chapter=chapter):
            if (
                o.status == "done"
                and start <= o.date <= end
                and m.pk in (o.member_a_id, o.member_b_id)
            ):
                values["121"] += 1
        for t in Tyfcb.objects.filter(thanked=m):
            if start <= t.date <= end:
                values["TYFCB"] += t.amount
        for c in Ceu.objects.filter(member=m):
            if start <= c.date <= end:
                values["CEU"] += c.credits
        for t in slips.Testimonial.objects.filter(giver=m):
            if start <= t.date <= end:
                values["T"] += 1
        expected[m.user.email] = values
    return expected


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(h=history)
def test_palms_equals_a_plain_recount(h):
    with transaction.atomic():
        chapter = build(h)
        a, b = h["window"]
        start, end = day(min(a, b)), day(max(a, b))
        rows = palms_rows(chapter, start, end)
        expected = recount(chapter, start, end)
        assert [r.email for r in rows] == sorted(expected)
        for row in rows:
            assert row.values == expected[row.email], row.email
        transaction.set_rollback(True)
