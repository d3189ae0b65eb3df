"""Invitations: who may send them, the email, the one-time seven-day link, the rate limit."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members import services
from members.models import Invitation, Member

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Kettle-Orbit-Violin-42"


def _invite(client, trade, **overrides):
    data = {
        "email": "Nina.New@Example.test",
        "first_name": "Nina",
        "last_name": "New",
        "company": "New Pipes Ltd",
        "classification": trade.pk,
        **overrides,
    }
    return client.post(reverse("members:invite"), data)


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/members/invitations/[^/\s]+/)", message.body).group(1)


@pytest.mark.parametrize("who", ["secretary", "membership_committee"])
def test_secretary_and_committee_invite_by_email(request, login, who, plumber_trade):
    client = login(request.getfixturevalue(who))
    response = _invite(client, plumber_trade)

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "nina.new@example.test"
    assert invitation.chapter.slug == "riverside"
    assert invitation.expires_at - invitation.sent_at == dt.timedelta(days=7)
    message = mail.outbox[0]
    assert message.to == ["nina.new@example.test"]
    assert "Riverside" in message.subject
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    link = _link(message)
    assert link in html
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in invitation.token_hash  # only the hash is stored
    assert Invitation.objects.by_token(token).get() == invitation


def test_plain_members_and_leaders_without_the_role_cannot_invite(login, member, president):
    assert login(member).get(reverse("members:invite")).status_code == 403
    assert login(president).post(reverse("members:invite"), {}).status_code == 403
    assert not mail.outbox


def test_invite_form_names_who_holds_the_trade(login, secretary, member):
    response = _invite(login(secretary), member.classification)
    assert response.status_code == 200
    assert f"already held in Riverside by {member.full_name}" in response.text
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_a_taken_trade_may_be_invited_as_an_applicant(login, secretary, member):
    response = _invite(login(secretary), member.classification, as_applicant="on")
    assert response.status_code == 302
    assert Invitation.objects.get().as_applicant


def test_an_email_with_an_account_cannot_be_invited(login, secretary, member, plumber_trade):
    response = _invite(login(secretary), plumber_trade, email="ALICE@example.test")
    assert "already has a Slipstream account" in response.text
    assert not Invitation.objects.exists()


def test_double_submitted_invitation_stores_one_row(login, secretary, plumber_trade):
    client = login(secretary)
    _invite(client, plumber_trade)
    _invite(client, plumber_trade)
    assert Invitation.objects.count() == 1
    # The second email's link is the one that works; the first stopped working.
    first, second = _link(mail.outbox[0]), _link(mail.outbox[1])
    client.logout()
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_invitation_link_sets_a_password_creates_the_member_and_logs_in(
    client, login, secretary, plumber_trade
):
    _invite(login(secretary), plumber_trade)
    client.logout()
    link = _link(mail.outbox[0])

    page = client.get(link)
    assert "Welcome, Nina" in page.text
    response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == reverse("members:directory")
    member = Member.objects.select_related("user").get(user__email="nina.new@example.test")
    assert member.status == Member.Status.ACTIVE
    assert member.chapter.slug == "riverside"
    assert member.classification == plumber_trade
    assert member.company == "New Pipes Ltd"
    assert member.user.check_password(NEW_PASSWORD)
    assert member.status_changes.get().note == "Accepted the invitation."
    invitation = Invitation.objects.get()
    assert invitation.accepted_at is not None and invitation.member == member
    directory = client.get(reverse("members:directory"))
    assert directory.status_code == 200
    assert "Nina New" in directory.text and "Sam" in directory.text


def test_invitation_link_works_only_once(client, login, secretary, plumber_trade):
    _invite(login(secretary), plumber_trade)
    client.logout()
    link = _link(mail.outbox[0])
    client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()

    again = client.get(link)
    assert again.status_code == 410
    assert "This invitation has been used" in again.text
    client.post(link, {"password1": "Other-Pass-Word-77", "password2": "Other-Pass-Word-77"})
    user = get_user_model().objects.get(email="nina.new@example.test")
    assert user.check_password(NEW_PASSWORD)
    assert Member.objects.filter(user=user).count() == 1


def test_invitation_link_expires_after_seven_days(client, login, secretary, plumber_trade):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        _invite(login(secretary), plumber_trade)
    client.logout()
    link = _link(mail.outbox[0])

    with time_machine.travel(dt.datetime(2026, 3, 9, 8, 59, tzinfo=dt.UTC), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC), tick=False):
        page = client.get(link)
        assert page.status_code == 410
        assert "This invitation has expired" in page.text
        client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert not get_user_model().objects.filter(email="nina.new@example.test").exists()


def test_unknown_link_shows_a_clear_page_and_creates_nothing(client):
    response = client.get(reverse("members:accept_invitation", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.text


def test_weak_or_mismatched_passwords_are_refused_next_to_the_field(
    client, login, secretary, plumber_trade
):
    _invite(login(secretary), plumber_trade)
    client.logout()
    link = _link(mail.outbox[0])

    weak = client.post(link, {"password1": "12345678", "password2": "12345678"})
    assert "This password is too common" in weak.text
    differ = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert "The two passwords differ" in differ.text
    assert not get_user_model().objects.filter(email="nina.new@example.test").exists()


def test_trade_taken_after_the_invitation_is_refused_with_the_holders_name(
    client, login, secretary, plumber_trade, chapter
):
    from tests.factories import MemberFactory, UserFactory

    _invite(login(secretary), plumber_trade)
    client.logout()
    MemberFactory(
        chapter=chapter, classification=plumber_trade,
        user=UserFactory(first_name="Pete", last_name="Pipes"),
    )  # fmt: skip
    link = _link(mail.outbox[0])

    response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 200
    assert "Plumber is now held in Riverside by Pete Pipes" in response.text
    assert not get_user_model().objects.filter(email="nina.new@example.test").exists()
    assert Invitation.objects.get().accepted_at is None


def test_applicant_invitation_creates_an_applicant_the_committee_approves(
    client, login, secretary, membership_committee, member
):
    _invite(login(secretary), member.classification, as_applicant="on")
    client.logout()
    link = _link(mail.outbox[0])
    response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.headers["Location"] == reverse("home")
    applicant = Member.objects.get(user__email="nina.new@example.test")
    assert applicant.status == Member.Status.APPLICANT
    assert client.get(reverse("members:directory")).status_code == 403

    committee = login(membership_committee)
    profile = committee.get(reverse("members:profile", args=[applicant.pk]))
    assert "Approve as an active member" in profile.text
    refused = committee.post(reverse("members:approve", args=[applicant.pk]), follow=True)
    assert f"already held in Riverside by {member.full_name}" in refused.text
    applicant.refresh_from_db()
    assert applicant.status == Member.Status.APPLICANT


def test_committee_approves_an_applicant_from_the_profile_page(
    login, membership_committee, applicant
):
    client = login(membership_committee)
    response = client.post(reverse("members:approve", args=[applicant.pk]), follow=True)
    assert "Ann Applicant is now an active member" in response.text
    applicant.refresh_from_db()
    assert applicant.status == Member.Status.ACTIVE
    assert applicant.status_changed_by == membership_committee.user


def test_plain_member_cannot_approve_and_sees_no_button(login, member, applicant):
    client = login(member)
    assert "Approve" not in client.get(reverse("members:profile", args=[applicant.pk])).text
    assert client.post(reverse("members:approve", args=[applicant.pk])).status_code == 403
    applicant.refresh_from_db()
    assert applicant.status == Member.Status.APPLICANT


def test_outsider_cannot_approve_our_applicant(login, outsider, applicant):
    assert login(outsider).post(reverse("members:approve", args=[applicant.pk])).status_code == 404


def test_invitation_sending_is_rate_limited_per_inviter(
    login, secretary, membership_committee, plumber_trade
):
    client = login(secretary)
    for n in range(services.INVITATIONS_PER_HOUR):
        assert _invite(client, plumber_trade, email=f"p{n}@example.test").status_code == 302
    refused = _invite(client, plumber_trade, email="one-too-many@example.test")

    assert refused.status_code == 200
    assert "please wait a while" in refused.text
    assert not Invitation.objects.filter(email="one-too-many@example.test").exists()
    assert len(mail.outbox) == services.INVITATIONS_PER_HOUR
    # Another inviter has their own allowance, and the limit lifts after the hour.
    other = login(membership_committee)
    assert _invite(other, plumber_trade, email="from-mona@example.test").status_code == 302
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, minutes=1)):
        client = login(secretary)
        assert _invite(client, plumber_trade, email="later@example.test").status_code == 302


def test_public_sign_up_stays_closed(client):
    response = client.get(reverse("account_signup"))
    assert "Sign-up is by invitation" in response.text
