"""``make bench``'s generator loads a region the app can serve: a small one, on PostgreSQL.

The generator writes with ``COPY``, past the ORM's Python defaults, so a new non-null column
without a database default breaks it; this test is where that shows, not a bench run.
"""

import datetime as dt

import pytest
from django.db.models import F, Max
from django.test import Client

from bench.generate import generate
from bench.pages import FORM, PAGES, Personas, query_counts
from members.models import Chapter, Member
from referrals import models as slips
from tests.factories import ReferralFactory
from tests.reports.test_rollup import rollup_rows
from tests.test_page_queries import EXPECTED

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_generated_region_serves_every_bench_page_at_its_pinned_query_count():
    counts = generate(chapters=3, members=6, weeks=6)

    assert Chapter.objects.count() == counts["chapters"] == 3
    assert Member.objects.count() == counts["members"] == 4 + 12 + 4
    for model, key in (
        (slips.Referral, "referrals"),
        (slips.Tyfcb, "tyfcb"),
        (slips.OneToOne, "one_to_ones"),
        (slips.Ceu, "ceus"),
        (slips.Testimonial, "testimonials"),
    ):
        assert model.objects.count() == counts[key] > 0, key
        assert not model.objects.exclude(token="").exists(), key
    # The rollup was counted once at the end, and the triggers keep it again afterwards.
    kept, counted = rollup_rows()
    assert kept == counted and kept
    # Every week is submitted by the chapter's vice-president but the latest, just held.
    for chapter in Chapter.objects.all():
        *past, latest = chapter.meetings.order_by("date")
        assert latest.submitted_at is None
        assert {m.submitted_by.member for m in past} == {
            Member.objects.get(chapter=chapter, roles__name="vice_president")
        }
        assert all(m.submitted_at.date() == m.date + dt.timedelta(days=1) for m in past)
    # The sequences moved past the copied ids: the ORM's next slip saves.
    last = slips.Referral.objects.aggregate(last=Max("pk"))["last"]
    assert ReferralFactory().pk > last
    kept, counted = rollup_rows()
    assert kept == counted

    personas = Personas.build(spread=3)
    for page in PAGES:
        for login in personas.members if page.who == "member" else personas.leaders:
            client = Client()
            client.force_login(login.member.user)
            path = page.path(login.member)
            if page.method == "POST":
                response = client.post(path, data=page.body(login.member, 0), content_type=FORM)
            else:
                response = client.get(path)
            assert response.status_code in (200, 302), (page.label, response.status_code)

    pinned = query_counts(personas)
    assert personas.smallest.members.count() == 4
    assert personas.largest.members.count() == 12
    assert pinned == {label: {"smallest": n, "largest": n} for label, n in EXPECTED.items()}


def test_a_share_of_the_generated_slips_crosses_the_chapter_line():
    """As in real slips audits: about a tenth of referrals and 1-2-1s with a member of another
    chapter of the region, a few with someone outside Slipstream, some TYFCBs with an unknown
    writer; each slip logged in the chapter of a member it links, the rollup still exact."""
    generate(chapters=4, members=12, weeks=20)
    referrals = slips.Referral.objects.all()
    across = referrals.exclude(giver__isnull=True).exclude(giver__chapter=F("receiver__chapter"))
    assert 0.05 < across.count() / referrals.count() < 0.15
    assert not across.exclude(chapter=F("giver__chapter")).exists()  # logged by the giver
    from_outside = referrals.filter(giver__isnull=True)
    assert from_outside.filter(other_name="BNI").exists()
    assert from_outside.exclude(other_name="BNI").exclude(other_chapter_name="").exists()
    assert not from_outside.exclude(chapter=F("receiver__chapter")).exists()

    one_to_ones = slips.OneToOne.objects.all()
    pairs_across = one_to_ones.exclude(member_b__isnull=True).exclude(
        member_a__chapter=F("member_b__chapter")
    )
    assert 0.05 < pairs_across.count() / one_to_ones.count() < 0.15
    assert one_to_ones.filter(member_b__isnull=True).exclude(other_name="").exists()

    tyfcbs = slips.Tyfcb.objects.all()
    unknown = tyfcbs.filter(writer__isnull=True, other_name="")
    assert 0.01 < unknown.count() / tyfcbs.count() < 0.06
    assert tyfcbs.filter(thanked__isnull=True).exclude(other_name="").exists()
    assert tyfcbs.filter(writer__isnull=True).exclude(other_name="").exists()
    assert tyfcbs.exclude(writer__chapter=F("thanked__chapter")).filter(
        writer__isnull=False, thanked__isnull=False
    )

    kept, counted = rollup_rows()
    assert kept == counted
