"""Slips beyond the chapter (DOMAIN.md "Beyond the chapter"): the shape the database holds,
the services' refusals, and what a slip across the line moves in both chapters."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from members.models import Chapter
from referrals import services
from referrals.models import OneToOne, Referral, Tyfcb
from reports import rollup
from tests import factories as f

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 3)


@pytest.fixture
def riverside_member(chapter):
    return f.MemberFactory(chapter=chapter)


@pytest.fixture
def hilltop_member(other_chapter):
    return f.MemberFactory(chapter=other_chapter)


def _refused(**fields):
    """The row goes straight to the database, past every service: its constraints refuse."""
    with pytest.raises(IntegrityError), transaction.atomic():
        fields["model"].objects.create(**{k: v for k, v in fields.items() if k != "model"})


# --- The database refuses an impossible slip ---------------------------------------------------


def test_a_referral_names_its_giver_as_a_member_or_a_name_never_both_never_neither(
    riverside_member, hilltop_member
):
    common = {"model": Referral, "chapter": riverside_member.chapter, "date": DAY}
    common |= {"receiver": hilltop_member, "contact_name": "Ann"}
    _refused(**common)  # neither
    _refused(**common, giver=riverside_member, other_name="Someone")  # both
    _refused(**common, other_chapter_name="BNI Givers")  # a chapter with no name
    stored = {k: v for k, v in common.items() if k != "model"}
    Referral.objects.create(**stored, other_name="Outsider One")
    assert Referral.objects.count() == 1


def test_a_referral_receiver_is_always_a_member(riverside_member):
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(
            chapter=riverside_member.chapter,
            giver=riverside_member,
            receiver=None,
            other_name="Outside",
            date=DAY,
            contact_name="Ann",
        )


def test_a_tyfcb_names_a_member_and_a_name_only_for_a_side_with_no_member(
    riverside_member, hilltop_member
):
    common = {"model": Tyfcb, "chapter": riverside_member.chapter, "date": DAY}
    common |= {"amount": Decimal("10.00")}
    _refused(**common)  # nobody
    _refused(**common, writer=riverside_member)  # thanks nobody, names nobody
    _refused(**common, writer=riverside_member, thanked=hilltop_member, other_name="X")
    _refused(**common, other_name="Only A Name")


def test_a_one_to_one_is_with_a_member_or_a_named_person(riverside_member, hilltop_member):
    common = {"model": OneToOne, "chapter": riverside_member.chapter, "date": DAY}
    _refused(**common, member_a=riverside_member)
    _refused(**common, member_a=riverside_member, member_b=hilltop_member, other_name="X")


# --- The services ----------------------------------------------------------------------------


def test_a_referral_to_another_chapters_member_is_logged_in_the_givers_chapter(
    riverside_member, hilltop_member
):
    referral = services.referral_create(
        giver=riverside_member, receiver=hilltop_member, date=DAY, contact_name="Ann"
    )
    assert referral.chapter_id == riverside_member.chapter_id
    assert referral.crosses_chapter()


def test_a_referral_from_outside_slipstream_is_logged_in_the_receivers_chapter(hilltop_member):
    referral = services.referral_create(
        receiver=hilltop_member,
        other_name="  Outsider   One ",
        other_chapter_name="BNI Givers, Deira Dubai",
        date=DAY,
        contact_name="Ann",
    )
    assert referral.chapter_id == hilltop_member.chapter_id
    assert referral.other_name == "Outsider One"
    assert str(referral).startswith("Outsider One (BNI Givers, Deira Dubai) →")


def test_a_referral_needs_a_giver_or_a_name_but_not_both(riverside_member, hilltop_member):
    for extra in ({}, {"giver": riverside_member, "other_name": "Someone"}):
        with pytest.raises(ValidationError) as refused:
            services.referral_create(receiver=hilltop_member, date=DAY, contact_name="Ann", **extra)
        assert "giver" in refused.value.message_dict
    assert not Referral.objects.exists()


def test_a_slip_naming_a_member_who_had_left_their_chapter_is_refused(riverside_member):
    left = f.MemberFactory(
        chapter=f.ChapterFactory(), status="dropped", left_on=DAY - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as refused:
        services.referral_create(giver=riverside_member, receiver=left, date=DAY, contact_name="A")
    assert refused.value.message_dict["receiver"] == [
        f"{left} was not a member of their chapter on Tue 3 Mar 2026."
    ]
    assert not Referral.objects.exists()


def test_a_tyfcb_may_have_an_unknown_writer_or_thank_someone_outside(riverside_member):
    unknown = services.tyfcb_create(thanked=riverside_member, date=DAY, amount="100")
    assert (
        unknown.writer_unknown and str(unknown) == f"TYFCB an unknown member → {riverside_member}"
    )
    outside = services.tyfcb_create(
        writer=riverside_member, other_name="Former Member", date=DAY, amount="50"
    )
    assert outside.outside_field == "thanked" and not outside.writer_unknown
    assert outside.party_label("thanked") == "Former Member"
    with pytest.raises(ValidationError):
        services.tyfcb_create(writer=riverside_member, date=DAY, amount="50")
    assert Tyfcb.objects.count() == 2


def test_a_one_to_one_with_someone_outside_is_one_row_whoever_logs_it_again(riverside_member):
    first, created = services.one_to_one_log(
        member=riverside_member, other_name="Visitor Vee", date=DAY, status="done"
    )
    again, created_again = services.one_to_one_log(
        member=riverside_member, other_name="Visitor  Vee", date=DAY, status="done"
    )
    assert created and not created_again and first.pk == again.pk
    assert first.other_label(riverside_member) == "Visitor Vee"


def test_a_one_to_one_across_chapters_is_one_row_for_the_pair(riverside_member, hilltop_member):
    first, _ = services.one_to_one_log(member=riverside_member, other=hilltop_member, date=DAY)
    again, created = services.one_to_one_log(
        member=hilltop_member, other=riverside_member, date=DAY
    )
    assert not created and first.pk == again.pk
    assert OneToOne.objects.count() == 1


# --- What a slip across the line moves ------------------------------------------------------------


def test_a_slip_across_the_line_moves_both_chapters_revisions(riverside_member, hilltop_member):
    """The receiver's pages are kept under their own chapter's revision: it must move too."""
    before = dict(Chapter.objects.values_list("pk", "revision"))
    services.referral_create(
        giver=riverside_member, receiver=hilltop_member, date=DAY, contact_name="Ann"
    )
    after = dict(Chapter.objects.values_list("pk", "revision"))
    assert after[riverside_member.chapter_id] > before[riverside_member.chapter_id]
    assert after[hilltop_member.chapter_id] > before[hilltop_member.chapter_id]


@pytest.mark.postgres
def test_the_rollup_counts_each_side_in_its_members_own_chapter(riverside_member, hilltop_member):
    services.referral_create(
        giver=riverside_member,
        receiver=hilltop_member,
        date=DAY,
        contact_name="Ann",
        kind="outside",
    )
    services.tyfcb_create(thanked=hilltop_member, date=DAY, amount="12.50")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT member_id, chapter_id, rgo, rro, tyfcb_cents FROM {rollup.TABLE} "
            "WHERE weeks = 1"
        )
        rows = set(cursor.fetchall())
        cursor.execute(rollup.recount_sql())
        recount = {(r[0], r[1], r[10], r[12], r[15]) for r in cursor.fetchall() if r[2] == 1}
    assert rows == {
        (riverside_member.pk, riverside_member.chapter_id, 1, 0, 0),
        (hilltop_member.pk, hilltop_member.chapter_id, 0, 1, 1250),
    }
    assert rows == recount
