"""Logging slips in the browser form: defaults, bad input next to the field, double submits."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from referrals import models as slips
from referrals.models import Ceu, OneToOne, Referral, Tyfcb
from tests.factories import MemberFactory, ReferralFactory

pytestmark = pytest.mark.django_db

LOG = reverse("referrals:log_slip")


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


def test_log_page_has_a_tab_per_kind_and_sensible_defaults(login, member, other_member, today):
    response = login(member).get(LOG)
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Referral", "Thank-you", "1-2-1", "CEU", "Testimonial"):
        assert f">{label}</a>" in html
    form = response.context["form"]
    assert form["date"].value() == today
    assert form["kind"].value() == "inside"
    assert form["temperature"].value() == 1
    assert "they expect your call" in html  # the temperature levels are explained
    assert f'<option value="{other_member.pk}" data-member>' in html
    assert f'value="{member.pk}" data-member' not in html  # never yourself


def test_htmx_tab_returns_only_the_form_panel(login, member, other_member):
    response = login(member).get(f"{LOG}?kind=tyfcb", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="slip-panel">')
    assert "<html" not in html
    assert "Amount (GBP)" in html


def test_member_logs_a_referral_and_is_offered_another(login, member, other_member, today):
    client = login(member)
    response = client.post(
        f"{LOG}?kind=referral",
        {
            "kind": "outside",
            "token": "t1",
            "receiver": other_member.pk,
            "date": today.isoformat(),
            "contact_name": "Hannah Price",
            "temperature": "3",
            "told_them_you_would_call": "on",
        },
        follow=True,
    )
    referral = Referral.objects.get()
    assert (referral.giver, referral.receiver, referral.kind) == (member, other_member, "outside")
    assert referral.temperature == 3 and referral.told_them_you_would_call
    assert referral.created_by == member.user and referral.status == "new"
    html = response.content.decode()
    assert "Saved: your referral" in html
    assert "Log another referral" in html


def _referral(receiver, today, **extra):
    data = {
        "token": "t-ref",
        "receiver": receiver.pk,
        "date": today.isoformat(),
        "kind": "inside",
        "contact_name": "Hannah Price",
        "temperature": "1",
    }
    data.update(extra)
    return data


def test_double_submitted_referral_is_stored_once(login, member, other_member, today):
    client = login(member)
    data = _referral(other_member, today)
    first = client.post(f"{LOG}?kind=referral", data)
    second = client.post(f"{LOG}?kind=referral", data)
    assert first.status_code == second.status_code == 302
    assert Referral.objects.count() == 1


def test_a_new_form_gets_a_new_token_so_two_real_referrals_are_two(
    login, member, other_member, today
):
    client = login(member)
    client.post(f"{LOG}?kind=referral", _referral(other_member, today, token="a"))
    client.post(f"{LOG}?kind=referral", _referral(other_member, today, token="b"))
    assert Referral.objects.count() == 2
    # The blank form is kept in the cache; its token is filled in afresh for every drawing.
    pages = [client.get(LOG).text for _ in range(2)]
    tokens = {re.search(r'name="token" value="([^"]+)" id="id_token"', p).group(1) for p in pages}
    assert len(tokens) == 2
    client.post(f"{LOG}?kind=referral", _referral(other_member, today, token=tokens.pop()))
    assert Referral.objects.count() == 3


def test_referral_to_yourself_is_refused_next_to_the_member(login, member, today):
    response = login(member).post(f"{LOG}?kind=referral", _referral(member, today))
    assert response.status_code == 200
    assert field_errors(response, "receiver") == [
        "You cannot pass a referral to yourself: pick another member."
    ]
    assert 'id="id_receiver_error"' in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize("junk", ["abc", "-1", "0", "1.5", "9" * 30, " ", "1 OR 1=1"])
def test_a_receiver_that_is_no_member_id_is_refused_next_to_the_field(
    login, member, other_member, today, junk
):
    data = _referral(other_member, today) | {"receiver": junk}
    response = login(member).post(f"{LOG}?kind=referral", data)
    assert response.status_code == 200
    assert field_errors(response, "receiver") == ["Pick a member of your chapter from the list."]
    assert not Referral.objects.exists()


def test_referral_to_another_chapters_member_is_refused(login, member, outsider, today):
    response = login(member).post(f"{LOG}?kind=referral", _referral(outsider, today))
    assert field_errors(response, "receiver") == ["Pick a member of your chapter from the list."]
    assert not Referral.objects.exists()


def test_referral_to_a_member_who_had_left_is_refused(login, member, chapter, today):
    gone = MemberFactory(chapter=chapter, status="dropped", left_on=today - dt.timedelta(days=30))
    response = login(member).post(f"{LOG}?kind=referral", _referral(gone, today))
    assert "was not a member of the chapter" in field_errors(response, "receiver")[0]
    assert not Referral.objects.exists()


def test_temperature_seven_is_refused(login, member, other_member, today):
    response = login(member).post(
        f"{LOG}?kind=referral", _referral(other_member, today, temperature="7")
    )
    assert field_errors(response, "temperature") == [
        "Temperature is 1 to 5: pick the level that says what you did."
    ]
    assert not Referral.objects.exists()


def test_future_date_is_refused(login, member, other_member, today):
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    response = login(member).post(
        f"{LOG}?kind=referral", _referral(other_member, today, date=tomorrow)
    )
    assert field_errors(response, "date") == ["A slip cannot be dated in the future."]


def _tyfcb(thanked, today, amount, **extra):
    data = {
        "token": f"t-{amount}",
        "thanked": thanked.pk,
        "date": today.isoformat(),
        "amount": amount,
        "business": "new",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "The amount must be more than 0."),
        ("-5", "The amount must be more than 0."),
        ("abc", "Enter an amount in numbers, such as 1250.00."),
        ("12.345", "Use at most two decimal places, such as 1250.50."),
        ("", "Enter the amount of the business, such as 1250.00."),
    ],
)
def test_bad_tyfcb_amounts_are_refused_next_to_the_amount(
    login, member, other_member, today, amount, message
):
    response = login(member).post(f"{LOG}?kind=tyfcb", _tyfcb(other_member, today, amount))
    assert field_errors(response, "amount") == [message]
    assert message in response.content.decode()
    assert not Tyfcb.objects.exists()


def test_tyfcb_amount_is_stored_as_a_decimal(login, member, other_member, today):
    login(member).post(f"{LOG}?kind=tyfcb", _tyfcb(other_member, today, "1,250.5"))
    tyfcb = Tyfcb.objects.get()
    assert tyfcb.amount == Decimal("1250.50")
    assert (tyfcb.writer, tyfcb.thanked) == (member, other_member)


def test_tyfcb_to_yourself_is_refused(login, member, today):
    response = login(member).post(f"{LOG}?kind=tyfcb", _tyfcb(member, today, "100"))
    assert field_errors(response, "thanked") == [
        "You cannot thank yourself: pick the member who referred the business."
    ]
    assert not Tyfcb.objects.exists()


def test_tyfcb_form_is_prefilled_from_a_won_referral(login, member, other_member):
    referral = ReferralFactory(giver=other_member, receiver=member, status="won")
    response = login(member).get(f"{LOG}?kind=tyfcb&referral={referral.pk}")
    form = response.context["form"]
    assert form["thanked"].value() == other_member.pk
    assert form["referral"].value() == referral.pk


def test_tyfcb_prefill_ignores_a_referral_not_passed_to_you(
    login, member, other_member, vice_president
):
    referral = ReferralFactory(giver=other_member, receiver=vice_president)
    form = login(member).get(f"{LOG}?kind=tyfcb&referral={referral.pk}").context["form"]
    assert form["referral"].value() is None


def _one_to_one(other, day, **extra):
    data = {"token": f"t-121-{other.pk}-{day}", "other": other.pk, "date": day.isoformat()}
    data.update({"status": "planned", **extra})
    return data


def test_one_to_one_with_yourself_is_refused(login, member, today):
    response = login(member).post(f"{LOG}?kind=one_to_one", _one_to_one(member, today))
    assert field_errors(response, "other") == ["A 1-2-1 is with another member: pick someone else."]
    assert not OneToOne.objects.exists()


def test_duplicate_one_to_one_is_refused_next_to_the_member(
    login, member, other_member, today, client
):
    login(other_member).post(f"{LOG}?kind=one_to_one", _one_to_one(member, today))
    client.logout()
    response = login(member).post(
        f"{LOG}?kind=one_to_one", _one_to_one(other_member, today, token="other-token")
    )
    assert "already have a 1-2-1 on that day" in field_errors(response, "other")[0]
    assert OneToOne.objects.count() == 1


def test_a_planned_one_to_one_may_be_in_the_future_but_not_done(login, member, other_member, today):
    client = login(member)
    later = today + dt.timedelta(days=3)
    response = client.post(
        f"{LOG}?kind=one_to_one", _one_to_one(other_member, later, status="done")
    )
    assert field_errors(response, "status") == ["A 1-2-1 in the future cannot be done yet."]
    client.post(f"{LOG}?kind=one_to_one", _one_to_one(other_member, later, place="Café"))
    assert OneToOne.objects.get().status == "planned"


def test_ceu_and_testimonial_are_logged(login, member, other_member, today):
    client = login(member)
    client.post(
        f"{LOG}?kind=ceu",
        {"token": "c", "date": today.isoformat(), "topic": "Givers Gain", "credits": "2"},
    )
    client.post(
        f"{LOG}?kind=testimonial",
        {"token": "t", "date": today.isoformat(), "receiver": other_member.pk, "text": "Great"},
    )
    assert Ceu.objects.get().credits == 2
    assert slips.Testimonial.objects.get().receiver == other_member


def test_ceu_credits_must_be_a_positive_whole_number(login, member, today):
    response = login(member).post(
        f"{LOG}?kind=ceu", {"token": "c", "date": today.isoformat(), "topic": "X", "credits": "0"}
    )
    assert field_errors(response, "credits") == ["Credits must be at least 1."]
    assert not Ceu.objects.exists()


def test_member_search_returns_options_by_name_or_trade(login, member, other_member, chapter):
    plumber = MemberFactory(chapter=chapter, classification__name="Plumber")
    client = login(member)
    html = client.get(reverse("referrals:member_search"), {"q": "plumb"}).content.decode()
    assert f'<option value="{plumber.pk}">' in html
    assert f'<option value="{other_member.pk}">' not in html
    html = client.get(reverse("referrals:member_search"), {"q": "bob"}).content.decode()
    assert f'<option value="{other_member.pk}">' in html


def test_member_search_never_offers_another_chapter(login, member, outsider):
    html = login(member).get(reverse("referrals:member_search"), {"q": "charlie"}).content.decode()
    assert f'value="{outsider.pk}"' not in html


def test_log_page_needs_a_login(client):
    response = client.get(LOG)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_form_sent_again_after_its_answer_was_lost_stores_one_slip(
    login, member, other_member, today
):
    """The database committed the slip but the answer never arrived (the connection dropped
    as it committed); the member sends the same form again. The database's one-token rule is
    the guard, so it holds with the cache emptied (or down) in between."""
    from django.core.cache import cache

    client = login(member)
    url = reverse("referrals:log_slip") + "?kind=referral"
    form = {
        "receiver": other_member.pk, "kind": "inside", "contact_name": "Once Only",
        "temperature": "3", "date": today.isoformat(), "token": "lost-answer-token",
    }  # fmt: skip
    assert client.post(url, form).status_code == 302
    cache.clear()
    again = client.post(url, form, follow=True)
    assert again.status_code == 200
    assert Referral.objects.filter(contact_name="Once Only").count() == 1
    assert Referral.objects.get(contact_name="Once Only").token == "lost-answer-token"
    assert "already saved" in again.content.decode()
