"""The secretary invites a person; they set a password from the email and see the chapter."""

import re

import pytest
from django.core import mail

from members.models import Member
from tests.browser.nav import log_out, main_nav
from tests.factories import PASSWORD, ClassificationFactory, ContactSphereFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_invites_and_the_invitee_lands_on_the_directory(phone, secretary, member):
    ClassificationFactory(name="Plumber", sphere=ContactSphereFactory(name="Home"))

    phone.goto("/accounts/login/")
    phone.get_by_label("Email").fill(secretary.user.email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    main_nav(phone).wait_for()
    phone.goto("/members/invite/")
    phone.get_by_label("Email").fill("nina@example.test")
    phone.get_by_label("First name").fill("Nina")
    phone.get_by_label("Last name").fill("New")
    phone.get_by_label("Company").fill("New Pipes Ltd")
    phone.get_by_label("Trade").select_option(label="Plumber")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_role("button", name="Send invitation").click()
    phone.get_by_text("Invitation sent to Nina New").wait_for()
    log_out(phone)

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/members/invitations/\S+/", mail.outbox[0].body).group(0)
    phone.goto(link)
    phone.get_by_role("heading", name="Welcome, Nina").wait_for()
    phone.get_by_label("Password", exact=True).fill("Kettle-Orbit-Violin-42")
    phone.get_by_label("Password (again)").fill("Kettle-Orbit-Violin-42")
    phone.get_by_role("button", name="Set password and join").click()

    phone.get_by_text("Welcome to Riverside, Nina!").wait_for()
    assert phone.url.endswith("/members/")
    cards = phone.locator(".member-card")
    names = cards.locator("h2").all_inner_texts()
    assert any("Nina New" in n for n in names)
    assert any(member.full_name in n for n in names)
    assert any(secretary.full_name in n for n in names)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert Member.objects.get(user__email="nina@example.test").status == Member.Status.ACTIVE
