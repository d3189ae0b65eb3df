"""Property: on random small histories of one to three chapters, PALMS equals a plain Python
recount, for each chapter alone and for the region of all of them at once.

The histories cross the chapter line (DOMAIN.md "Beyond the chapter"): referrals, 1-2-1s,
testimonials and thank-yous between members of different chapters, slips with someone outside
Slipstream (a name, with their chapter as text or not, or BNI), thank-yous from an unknown
writer, and members who joined or left inside the window. The recount reads DOMAIN.md: a row
for each of a chapter's own members who belonged on a day of the window, each slip of the
window on the row of every member it names, whichever chapter logged it, and no row for
anyone outside.
"""

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
CHAPTERS = 3
WEEKS = 10


def day(n: int) -> dt.date:
    return BASE + dt.timedelta(days=n)


member_spec = st.tuples(
    st.integers(0, DAYS),  # joined
    st.one_of(st.none(), st.integers(0, DAYS)),  # left (after joined, clamped below)
    st.sampled_from(["active", "active", "on_leave", "dropped", "applicant"]),
    st.integers(0, CHAPTERS - 1),  # moves them off the round robin of chapters (see build)
)
#: Who the other party of a slip is, where its kind allows one beyond Slipstream: a member
#: (most often), someone outside by name, with their chapter as text, BNI, or, for a
#: thank-you's writer, unknown.
OUTSIDE = [None, None, None, "named", "with chapter", "bni", "unknown"]
slip = st.tuples(
    st.integers(0, 7),  # one member (modulo the number of members)
    st.integers(0, 7),  # the other, counted on from the first
    st.integers(0, DAYS),  # its date
    st.integers(0, 9),  # an amount, a kind, a status, a side
    st.sampled_from(OUTSIDE),
)
history = st.fixed_dictionaries(
    {
        # Two first: a history shrinks towards the first value, and a failure is best shown
        # across the line.
        "chapters": st.sampled_from([2, 3, 1]),
        "members": st.lists(member_spec, min_size=2, max_size=8),
        "cancelled": st.sets(st.integers(0, WEEKS - 1), max_size=3),
        "marks": st.lists(
            st.tuples(st.integers(0, 7), st.integers(0, WEEKS - 1), st.sampled_from("PALMS")),
            max_size=30,
        ),
        "referrals": st.lists(slip, max_size=12),
        "tyfcbs": st.lists(slip, max_size=8),
        "one_to_ones": st.lists(slip, max_size=8),
        "ceus": st.lists(slip, max_size=8),
        "testimonials": st.lists(slip, max_size=6),
        "visits": st.lists(
            st.tuples(st.integers(0, 7), st.integers(0, WEEKS - 1), st.booleans()), max_size=8
        ),
        "window": st.tuples(st.integers(0, DAYS), st.integers(0, DAYS)),
    }
)


def outside_party(party: str, extra: int) -> dict:
    """The ``other_name`` (and ``other_chapter_name``) of someone outside Slipstream."""
    if party == "bni":
        return {"other_name": "BNI"}
    if party == "with chapter":
        return {"other_name": f"Guest {extra}", "other_chapter_name": "BNI Givers, Deira"}
    return {"other_name": f"Outsider {extra}"}


def build(h) -> list:
    """The history's chapters, their members, meetings, marks, visits and slips. Each slip is
    logged in its logger's chapter (the giver's, writer's, first member's), or the member
    side's when the other party is outside Slipstream."""
    chapters = [ChapterFactory(meeting_weekday=1) for _ in range(h["chapters"])]
    members = []
    for i, (joined, left, status, home) in enumerate(h["members"]):
        if status == "dropped":
            left = max(joined, left if left is not None else joined)
        elif left is not None:
            left = None
        members.append(
            Member.objects.create(
                user=UserFactory(email=f"m{i}@prop.test", first_name=f"M{i}", last_name="X"),
                # Round robin, so that even the simplest history has members in every
                # chapter and slips between them.
                chapter=chapters[(i + home) % len(chapters)],
                classification=ClassificationFactory(),
                joined_on=day(joined),
                left_on=day(left) if left is not None else None,
                status=status,
            )
        )
    meetings = {
        (chapter.pk, w): Meeting.objects.create(
            chapter=chapter,
            date=day(7 * w),
            starts_at=dt.datetime(2026, 1, 6, 7, tzinfo=dt.UTC),
            cancelled=w in h["cancelled"],
            cancel_reason="Holiday" if w in h["cancelled"] else "",
        )
        for chapter in chapters
        for w in range(WEEKS)
    }
    n = len(members)
    marks = {}
    for m, w, mark in h["marks"]:
        marks[(m % n, w)] = mark
    for (m, w), mark in marks.items():
        Attendance.objects.create(
            meeting=meetings[(members[m].chapter_id, w)],
            member=members[m],
            mark=mark,
            substitute_name="Sub" if mark == "S" else "",
        )

    def slips_of(spec):
        """Each slip's two members: the other counted on from the first, so that the
        simplest history's slips join neighbours of the round robin, in two chapters."""
        for a, b, d, extra, party in spec:
            yield members[a % n], members[(a + 1 + b) % n], day(d), extra, party

    for g, r, d, extra, party in slips_of(h["referrals"]):
        kind = "inside" if extra % 2 else "outside"
        common = {"receiver": r, "date": d, "contact_name": "C", "kind": kind}
        if party is None and g != r:
            Referral.objects.create(chapter=g.chapter, giver=g, **common)
        elif party is not None:  # received from outside Slipstream (never unknown)
            party = "named" if party == "unknown" else party
            Referral.objects.create(chapter=r.chapter, **common, **outside_party(party, extra))
    for w, t, d, extra, party in slips_of(h["tyfcbs"]):
        common = {"date": d, "amount": Decimal(extra * 137 + 1) / 4}
        if party is None and w != t:
            Tyfcb.objects.create(chapter=w.chapter, writer=w, thanked=t, **common)
        elif party == "unknown":
            Tyfcb.objects.create(chapter=t.chapter, thanked=t, **common)
        elif party is not None and extra % 2:  # a member thanks someone outside Slipstream
            Tyfcb.objects.create(
                chapter=w.chapter, writer=w, **common, **outside_party(party, d.day)
            )
        elif party is not None:  # someone outside Slipstream thanks a member
            Tyfcb.objects.create(
                chapter=t.chapter, thanked=t, **common, **outside_party(party, d.day)
            )
    for a, b, d, extra, party in slips_of(h["one_to_ones"]):
        status = ["done", "planned", "cancelled"][extra % 3]
        if party is None and a != b:
            low, high = sorted((a, b), key=lambda m: m.pk)
            OneToOne.objects.get_or_create(
                member_a=low,
                member_b=high,
                date=d,
                defaults={"chapter": a.chapter, "status": status},
            )
        elif party is not None:
            named = outside_party("named" if party == "unknown" else party, extra)
            OneToOne.objects.get_or_create(
                member_a=a,
                member_b=None,
                other_name=named["other_name"],
                date=d,
                defaults={"chapter": a.chapter, "status": status, **named},
            )
    for a, _, d, extra, _ in slips_of(h["ceus"]):
        Ceu.objects.create(chapter=a.chapter, member=a, date=d, topic="T", credits=extra + 1)
    for g, r, d, _, _ in slips_of(h["testimonials"]):
        if g != r:
            slips.Testimonial.objects.create(
                chapter=g.chapter, giver=g, receiver=r, date=d, text="Good"
            )
    for i, (m, w, attended) in enumerate(h["visits"]):
        host = members[m % n]
        visitor = Visitor.objects.create(chapter=host.chapter, name=f"V{i}")
        Visit.objects.create(
            visitor=visitor,
            meeting=meetings[(host.chapter_id, w)],
            invited_by=host,
            attended=attended,
        )
    return chapters


def recount(chapter, start, end):
    """PALMS the long way: walk every row in Python, exactly as DOMAIN.md reads.

    The chapter's own members who belonged on any day of the window each get a row; every
    slip of the window, whichever chapter logged it, counts on the row of each member it
    names (a referral on the giver's and the receiver's, a done 1-2-1 on both members',
    a thank-you on the thanked member's); an outside party has no row to count on.
    """

    def within(day: dt.date) -> bool:
        return start <= day <= end

    referrals = [r for r in Referral.objects.all() if within(r.date)]
    one_to_ones = [o for o in OneToOne.objects.all() if o.status == "done" and within(o.date)]
    tyfcbs = [t for t in Tyfcb.objects.all() if within(t.date)]
    ceus = [c for c in Ceu.objects.all() if within(c.date)]
    testimonials = [t for t in slips.Testimonial.objects.all() if within(t.date)]
    expected = {}
    for m in Member.objects.filter(chapter=chapter).select_related("user"):
        if m.status == "applicant" or m.joined_on > end or (m.left_on and m.left_on < start):
            continue
        values = dict.fromkeys(COLUMNS, 0)
        values["TYFCB"] = Decimal("0.00")
        for a in Attendance.objects.filter(member=m).select_related("meeting"):
            if not a.meeting.cancelled and within(a.meeting.date):
                values[a.mark] += 1
        for r in referrals:
            tag = "I" if r.kind == "inside" else "O"
            if r.giver_id == m.pk:
                values["RG" + tag] += 1
            if r.receiver_id == m.pk:
                values["RR" + tag] += 1
        for v in Visit.objects.filter(invited_by=m).select_related("meeting"):
            if v.attended and not v.meeting.cancelled and within(v.meeting.date):
                values["V"] += 1
        values["121"] = sum(m.pk in (o.member_a_id, o.member_b_id) for o in one_to_ones)
        values["TYFCB"] += sum((t.amount for t in tyfcbs if t.thanked_id == m.pk), Decimal(0))
        values["CEU"] = sum(c.credits for c in ceus if c.member_id == m.pk)
        values["T"] = sum(t.giver_id == m.pk for t in testimonials)
        expected[m.user.email] = values
    return expected


def assert_palms_of_every_chapter_and_the_region(chapters, start, end):
    """Each chapter's PALMS, then the region's (every chapter at once), against the recount."""
    region_expected = {}
    for chapter in chapters:
        rows = palms_rows(chapter, start, end)
        expected = recount(chapter, start, end)
        assert [r.email for r in rows] == sorted(expected)
        for row in rows:
            assert row.chapter_id == chapter.pk
            assert row.values == expected[row.email], (row.email, start, end)
        region_expected |= expected
    region = palms_rows(chapters, start, end)
    assert [r.email for r in region] == sorted(region_expected)
    for row in region:
        assert row.values == region_expected[row.email], (row.email, start, end)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(h=history)
def test_palms_equals_a_plain_recount(h):
    with transaction.atomic():
        chapters = build(h)
        a, b = h["window"]
        assert_palms_of_every_chapter_and_the_region(chapters, day(min(a, b)), day(max(a, b)))
        transaction.set_rollback(True)
