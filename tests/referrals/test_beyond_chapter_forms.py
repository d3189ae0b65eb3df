"""Logging a slip beyond the chapter (DOMAIN.md "Beyond the chapter"), through the forms: the
"who" switch names a member of my chapter, a member of another chapter (found with the
search across chapters) or someone outside Slipstream where the kind allows it."""

import datetime as dt
import re
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from members.models import Member
from referrals import models as slips
from referrals.models import OneToOne, Referral, Tyfcb
from tests.factories import ClassificationFactory, MemberFactory, ReferralFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

LOG = reverse("referrals:log_slip")
SEARCH = reverse("referrals:member_search")
PRIVATE = "Anyone opening a second office; ask for Bea"  # her ideal referral: not on the card


@pytest.fixture
def bea(other_chapter):
    """A plumber in Hilltop, Leeds: another chapter than Alice's (Riverside)."""
    other_chapter.city = "Leeds"
    other_chapter.save()
    return MemberFactory(
        chapter=other_chapter,
        user=UserFactory(email="bea.private@example.test", first_name="Bea", last_name="Baxter"),
        company="Baxter Plumbing",
        classification=ClassificationFactory(name="Plumber"),
        phone="+44 113 496 0000",
        website="https://baxter.example",
        ideal_referral=PRIVATE,
        joined_on=dt.date(2024, 3, 4),
        renewal_due=dt.date(2027, 3, 4),
    )


def errors(response, field):
    return response.context["form"].errors.get(field, [])


def referral(today, **extra):
    data = {
        "token": "t-ref",
        "date": today.isoformat(),
        "kind": "inside",
        "contact_name": "Hannah Price",
        "temperature": "1",
    }
    return data | extra


# --- The switch -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "ways"),
    [
        ("referral", ["In my chapter", "Another chapter"]),
        ("testimonial", ["In my chapter", "Another chapter"]),
        ("tyfcb", ["In my chapter", "Another chapter", "Someone outside Slipstream"]),
        ("one_to_one", ["In my chapter", "Another chapter", "Someone outside Slipstream"]),
        ("ceu", []),
    ],
)
def test_each_kind_offers_the_ways_it_allows(login, member, other_member, kind, ways):
    html = login(member).get(f"{LOG}?kind={kind}").content.decode()
    offered = re.findall(r'name="who" value="\w+"[^>]*>\s+([^<]+)</label>', html)
    assert offered == ways
    if ways:
        assert 'name="who" value="chapter" id="id_who_0" checked' in html
        assert 'name="find"' in html  # the search across chapters
    assert ('name="other_name"' in html) == ("Someone outside Slipstream" in ways)


# --- Another chapter ------------------------------------------------------------------------


def test_member_logs_a_referral_to_a_member_of_another_chapter(
    login, member, other_member, bea, today
):
    # The chapter's list still holds Bob: in "another chapter" mode it does not count.
    data = referral(today, who="elsewhere", receiver=other_member.pk, receiver_elsewhere=bea.pk)
    response = login(member).post(f"{LOG}?kind=referral", data, follow=True)
    assert "Saved: your referral" in response.content.decode()
    stored = Referral.objects.get()
    assert (stored.giver, stored.receiver) == (member, bea)
    assert stored.chapter == member.chapter != bea.chapter
    assert stored.crosses_chapter()


def test_a_thank_you_and_a_one_to_one_may_name_a_member_of_another_chapter(
    login, member, bea, today
):
    client = login(member)
    client.post(
        f"{LOG}?kind=tyfcb",
        {
            "token": "t1",
            "who": "elsewhere",
            "thanked_elsewhere": bea.pk,
            "date": today.isoformat(),
            "amount": "800",
            "business": "new",
        },
    )
    client.post(
        f"{LOG}?kind=one_to_one",
        {
            "token": "t2",
            "who": "elsewhere",
            "other_elsewhere": bea.pk,
            "date": today.isoformat(),
            "status": "done",
        },
    )
    client.post(
        f"{LOG}?kind=testimonial",
        {
            "token": "t3",
            "who": "elsewhere",
            "receiver_elsewhere": bea.pk,
            "date": today.isoformat(),
            "text": "Came out on a Sunday.",
        },
    )
    assert Tyfcb.objects.get().thanked == bea
    assert Tyfcb.objects.get().chapter == member.chapter
    assert {OneToOne.objects.get().member_a, OneToOne.objects.get().member_b} == {member, bea}
    assert slips.Testimonial.objects.get().receiver == bea


def test_another_chapter_mode_needs_a_card_picked(login, member, bea, today):
    response = login(member).post(f"{LOG}?kind=referral", referral(today, who="elsewhere"))
    assert errors(response, "receiver") == [
        "Search for them by name, company, trade, chapter or city, and pick their card."
    ]
    assert not Referral.objects.exists()


def test_another_chapter_mode_refuses_a_member_of_my_own_chapter(
    login, member, other_member, today
):
    data = referral(today, who="elsewhere", receiver_elsewhere=other_member.pk)
    response = login(member).post(f"{LOG}?kind=referral", data)
    assert errors(response, "receiver") == ["Pick a member of another chapter from the search."]
    assert not Referral.objects.exists()


def test_my_chapter_mode_refuses_a_member_of_another_chapter(login, member, bea, today):
    response = login(member).post(f"{LOG}?kind=referral", referral(today, receiver=bea.pk))
    assert errors(response, "receiver") == ["Pick a member of your chapter from the list."]
    assert not Referral.objects.exists()


def test_an_applicant_of_another_chapter_cannot_be_named(login, member, other_chapter, today):
    applicant = MemberFactory(chapter=other_chapter, status=Member.Status.APPLICANT)
    data = referral(today, who="elsewhere", receiver_elsewhere=applicant.pk)
    response = login(member).post(f"{LOG}?kind=referral", data)
    assert errors(response, "receiver") == ["Pick a member of another chapter from the search."]
    assert not Referral.objects.exists()


def test_a_member_who_had_left_is_refused_with_a_clear_message(login, member, bea, today):
    bea.status, bea.left_on = Member.Status.DROPPED, today - dt.timedelta(days=10)
    bea.save()
    data = referral(today, who="elsewhere", receiver_elsewhere=bea.pk)
    response = login(member).post(f"{LOG}?kind=referral", data)
    day = f"{today:%a} {today.day} {today:%b %Y}"
    assert errors(response, "receiver") == [
        f"Bea Baxter was not a member of their chapter on {day}."
    ]
    assert "was not a member of their chapter" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_form_sent_back_with_an_error_keeps_the_card_picked(login, member, bea, today):
    data = referral(today, who="elsewhere", receiver_elsewhere=bea.pk, contact_name="")
    html = login(member).post(f"{LOG}?kind=referral", data).content.decode()
    assert 'name="who" value="elsewhere" id="id_who_1" checked' in html
    assert f'name="receiver_elsewhere" value="{bea.pk}" checked' in html
    assert not Referral.objects.exists()


# --- Someone outside Slipstream -------------------------------------------------------------


def test_member_thanks_someone_outside_slipstream(login, member, today):
    data = {
        "token": "t-out",
        "who": "outside",
        "other_name": "  Dana   Former ",
        "other_chapter_name": "BNI Givers, Deira Dubai",
        "date": today.isoformat(),
        "amount": "1250.50",
        "business": "new",
    }
    response = login(member).post(f"{LOG}?kind=tyfcb", data, follow=True)
    assert "Saved: your thank-you (TYFCB)" in response.content.decode()
    tyfcb = Tyfcb.objects.get()
    assert (tyfcb.writer, tyfcb.thanked) == (member, None)
    assert (tyfcb.other_name, tyfcb.other_chapter_name) == (
        "Dana Former",
        "BNI Givers, Deira Dubai",
    )
    assert tyfcb.amount == Decimal("1250.50") and tyfcb.chapter == member.chapter


def test_member_may_thank_bni_itself(login, member, today):
    data = {
        "token": "t-bni",
        "who": "outside",
        "other_name": "BNI",
        "date": today.isoformat(),
        "amount": "100",
        "business": "new",
    }
    login(member).post(f"{LOG}?kind=tyfcb", data)
    assert Tyfcb.objects.get().outside_label.startswith("BNI")


def test_member_logs_a_one_to_one_with_someone_outside_slipstream(login, member, today):
    data = {
        "token": "t-121",
        "who": "outside",
        "other_name": "Omar Visitor",
        "date": today.isoformat(),
        "status": "done",
    }
    response = login(member).post(f"{LOG}?kind=one_to_one", data, follow=True)
    assert "Saved: your 1-2-1" in response.content.decode()
    meeting = OneToOne.objects.get()
    assert (meeting.member_a, meeting.member_b, meeting.other_name) == (
        member,
        None,
        "Omar Visitor",
    )


def test_someone_outside_needs_a_name(login, member, today):
    data = {
        "token": "t",
        "who": "outside",
        "other_chapter_name": "BNI Givers",
        "date": today.isoformat(),
        "amount": "100",
        "business": "new",
    }
    response = login(member).post(f"{LOG}?kind=tyfcb", data)
    assert errors(response, "other_name") == [
        "Give their name (or BNI, for the organisation itself)."
    ]
    assert not Tyfcb.objects.exists()


def test_an_outside_name_left_behind_does_not_count_for_a_member(
    login, member, other_member, today
):
    data = {
        "token": "t",
        "who": "chapter",
        "thanked": other_member.pk,
        "other_name": "Dana",
        "date": today.isoformat(),
        "amount": "100",
        "business": "new",
    }
    login(member).post(f"{LOG}?kind=tyfcb", data)
    tyfcb = Tyfcb.objects.get()
    assert (tyfcb.thanked, tyfcb.other_name) == (other_member, "")


def test_a_referral_to_someone_outside_slipstream_is_refused_and_nothing_stored(
    login, member, other_member, today
):
    data = referral(today, who="outside", other_name="Dana Former", receiver=other_member.pk)
    response = login(member).post(f"{LOG}?kind=referral", data)
    assert response.status_code == 200
    message = (
        "A referral goes to a member of Slipstream: pick them in your chapter or in another "
        "chapter. Someone outside Slipstream cannot receive one."
    )
    assert errors(response, "who") == [message]
    assert errors(response, "receiver") == []  # the one clear message, not two
    assert "Someone outside Slipstream cannot receive one." in response.content.decode()
    assert not Referral.objects.exists()


def test_a_testimonial_for_someone_outside_slipstream_is_refused(login, member, today):
    data = {
        "token": "t",
        "who": "outside",
        "other_name": "Dana",
        "date": today.isoformat(),
        "text": "Great.",
    }
    response = login(member).post(f"{LOG}?kind=testimonial", data)
    assert errors(response, "who") == [
        "A testimonial is for a member of Slipstream: pick them in your chapter or in "
        "another chapter."
    ]
    assert not slips.Testimonial.objects.exists()


# --- The search across chapters --------------------------------------------------------------


def search(client, find, **extra):
    return client.get(SEARCH, {"scope": "elsewhere", "field": "receiver", "find": find} | extra)


def test_search_finds_another_chapters_member_by_name_company_trade_chapter_or_city(
    login, member, bea
):
    client = login(member)
    for find in ("bea", "baxter plumbing", "plumb", "hilltop", "leeds"):
        html = search(client, find).content.decode()
        assert f'name="receiver_elsewhere" value="{bea.pk}"' in html, find


def test_search_shows_the_directory_card_and_nothing_private(login, member, bea):
    referral_to_bea = ReferralFactory(
        giver=MemberFactory(chapter=bea.chapter), receiver=bea, contact_phone="+44 7700 900123"
    )
    html = search(login(member), "baxter").content.decode()
    for shown in (
        "Bea Baxter",
        "Baxter Plumbing",
        "Plumber",
        "Hilltop, Leeds",
        "+44 113 496 0000",
        "https://baxter.example",
    ):
        assert shown in html
    # Her email, ideal referral, membership dates; her slips' contacts: none of it.
    for hidden in (
        "bea.private@example.test",
        "mailto:",
        PRIVATE,
        "2024",
        "2027",
        referral_to_bea.contact_name,
        "7700 900123",
        "Active",
    ):
        assert hidden not in html


def test_search_never_lists_my_chapter_nor_members_not_active(
    login, chapter, other_chapter, member, bea
):
    mine = MemberFactory(chapter=chapter, user__last_name="Baxter")
    hidden = [mine] + [
        MemberFactory(
            chapter=other_chapter,
            status=status,
            user__last_name="Baxter",
            left_on=dt.date(2025, 5, 1) if status == "dropped" else None,
        )
        for status in ("applicant", "on_leave", "dropped")
    ]
    html = search(login(member), "baxter").content.decode()
    assert re.findall(r'value="(\d+)"', html) == [str(bea.pk)]
    for other in hidden:
        assert f'value="{other.pk}"' not in html


def test_search_keeps_the_picked_card_checked(login, member, bea):
    html = search(login(member), "bax", receiver_elsewhere=str(bea.pk)).content.decode()
    assert f'value="{bea.pk}" checked' in html


def test_search_names_the_radio_buttons_after_the_slip_field(login, member, bea):
    client = login(member)
    html = search(client, "bax", field="thanked").content.decode()
    assert 'name="thanked_elsewhere"' in html
    html = search(client, "bax", field="password").content.decode()  # not a picker field
    assert 'name="receiver_elsewhere"' in html


def test_search_says_when_nothing_matches_or_the_query_is_too_short(login, member, bea):
    client = login(member)
    assert (
        "No active member of another chapter matches “zebra”."
        in search(client, "zebra").content.decode()
    )
    assert "Type at least two letters" in search(client, "b").content.decode()
    assert search(client, "").content.decode().strip() == ""


@pytest.mark.parametrize("find", ["b" * 10_000, "baxter " * 1_500, ("%_\\\x00' " * 2_000)[:10_000]])
def test_a_ten_thousand_character_search_answers_at_once(login, member, bea, find):
    client = login(member)
    started = time.monotonic()
    response = search(client, find)
    assert time.monotonic() - started < 1
    assert response.status_code == 200
    html = response.content.decode()
    assert len(html) < 2_000  # the answer quotes at most the 80 characters it read
    assert "No active member of another chapter matches" in html or "value=" in html


def test_a_ten_thousand_character_search_in_my_chapter_answers_too(login, member, other_member):
    response = login(member).get(SEARCH, {"q": "\x00" + "b" * 10_000})
    assert response.status_code == 200
    assert "No member matches" in response.content.decode()


@pytest.mark.parametrize("size", [3, 30])
def test_search_query_count_is_fixed(
    login, chapter, other_chapter, member, bea, size, django_assert_num_queries
):
    for n in range(size):
        MemberFactory(chapter=other_chapter, user__last_name=f"Baxter{n}")
    client = login(member)
    search(client, "baxter")
    # the user with their seat (the session is cached), then the search itself
    with django_assert_num_queries(2):
        response = search(client, "baxter")
    assert response.content.decode().count('name="receiver_elsewhere"') == min(size + 1, 20)


def test_search_needs_a_member(login, staff):
    assert search(login(staff), "baxter").status_code == 404


# --- Without JavaScript --------------------------------------------------------------------


def test_the_search_button_sends_the_form_back_with_the_cards_and_stores_nothing(
    login, member, bea, today
):
    data = referral(today, search="1", find="baxter", contact_name="Hannah Price")
    html = login(member).post(f"{LOG}?kind=referral", data).content.decode()
    assert f'name="receiver_elsewhere" value="{bea.pk}"' in html
    assert 'value="Hannah Price"' in html  # what was typed stays
    assert 'name="who" value="elsewhere" id="id_who_1" checked' in html
    assert 'value="baxter"' in html
    assert not Referral.objects.exists()


def test_enter_in_the_search_box_before_picking_searches(login, member, bea, today):
    data = referral(today, who="elsewhere", find="leeds")
    html = login(member).post(f"{LOG}?kind=referral", data).content.decode()
    assert f'name="receiver_elsewhere" value="{bea.pk}"' in html
    assert "errorlist" not in html
    assert not Referral.objects.exists()
    # With a card picked, the same form is saved.
    login(member).post(f"{LOG}?kind=referral", data | {"receiver_elsewhere": bea.pk})
    assert Referral.objects.get().receiver == bea


# --- Filled in from elsewhere, and edits ----------------------------------------------------


def test_the_thank_you_for_a_referral_from_another_chapter_thanks_its_giver(
    login, member, bea, today
):
    given = ReferralFactory(giver=bea, receiver=member, chapter=bea.chapter, status="won")
    client = login(member)
    html = client.get(f"{LOG}?kind=tyfcb&referral={given.pk}").content.decode()
    assert 'name="who" value="elsewhere" id="id_who_1" checked' in html
    assert f'name="thanked_elsewhere" value="{bea.pk}" checked' in html
    data = {
        "token": "t",
        "who": "elsewhere",
        "thanked_elsewhere": bea.pk,
        "referral": given.pk,
        "date": today.isoformat(),
        "amount": "900",
        "business": "new",
    }
    client.post(f"{LOG}?kind=tyfcb", data)
    tyfcb = Tyfcb.objects.get()
    assert (tyfcb.writer, tyfcb.thanked, tyfcb.referral) == (member, bea, given)


def test_the_thank_you_for_a_referral_from_outside_thanks_that_person(login, member, today):
    given = ReferralFactory(
        giver=None,
        other_name="Gus Guest",
        other_chapter_name="BNI Elsewhere",
        receiver=member,
        chapter=member.chapter,
    )
    html = login(member).get(f"{LOG}?kind=tyfcb&referral={given.pk}").content.decode()
    assert 'name="who" value="outside" id="id_who_2" checked' in html
    assert 'value="Gus Guest"' in html and 'value="BNI Elsewhere"' in html


def test_editing_a_referral_to_another_chapter_keeps_its_receiver(login, member, bea, today):
    given = ReferralFactory(giver=member, receiver=bea, chapter=member.chapter, date=today)
    client = login(member)
    edit = reverse("referrals:slip_edit", args=["referral", given.pk])
    html = client.get(edit).content.decode()
    line = f'<option value="{bea.pk}" selected data-member>Bea Baxter · Plumber (Hilltop)</option>'
    assert line in html
    data = referral(today, receiver=bea.pk, contact_name="Hannah Price-Jones")
    del data["token"]
    response = client.post(edit, data)
    assert response.status_code == 302, response.context["form"].errors
    given.refresh_from_db()
    assert (given.receiver, given.contact_name) == (bea, "Hannah Price-Jones")


def test_editing_a_slip_with_someone_outside_does_not_fail(login, member, today):
    thanks = Tyfcb.objects.create(
        chapter=member.chapter,
        writer=member,
        other_name="Dana Former",
        date=today,
        amount=Decimal("100"),
    )
    meeting = OneToOne.objects.create(
        chapter=member.chapter, member_a=member, other_name="Omar", date=today, status="done"
    )
    client = login(member)
    for kind, slip in (("tyfcb", thanks), ("one_to_one", meeting)):
        assert client.get(reverse("referrals:slip_edit", args=[kind, slip.pk])).status_code == 200
