"""Limits counted per address read the person's address, behind the proxies we trust; sign-in
failures count per account too, so one person's mistakes lock out no one else."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.urls import reverse

from meetings.models import Visitor
from meetings.views import GUEST_LIMIT
from members.adapters import AccountAdapter, client_ip
from tests.factories import PASSWORD, MeetingFactory
from tests.meetings.test_public import guest
from tests.trust.faults import free_port

WRONG = "The email address and/or password you specified are not correct."
TOO_MANY = "Too many failed login attempts."
PROXY = "127.0.0.1"


def request(forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=PROXY, headers=headers)


def test_with_no_proxy_the_connections_address_is_the_clients(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request("198.51.100.7")) == PROXY  # anyone may write the header


def test_behind_one_proxy_the_last_entry_is_the_clients(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("198.51.100.7")) == "198.51.100.7"
    # What the phone wrote itself sits to the left of what the proxy appended.
    assert client_ip(request("203.0.113.1, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(request()) == PROXY  # not through the proxy


def test_behind_two_proxies_the_second_entry_from_the_end_is_the_clients(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    assert client_ip(request("203.0.113.1, 198.51.100.7, 192.0.2.10")) == "198.51.100.7"
    assert client_ip(request("198.51.100.7")) == "198.51.100.7"  # came in past the outer one
    assert client_ip(request(" 2001:db8::7 ,192.0.2.10")) == "2001:db8::7"


def test_an_entry_that_is_not_an_address_falls_back_to_the_connection(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("unknown")) == PROXY


def test_allauths_limits_read_the_same_address(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert AccountAdapter().get_client_ip(request("198.51.100.7")) == "198.51.100.7"


def sign_in(client, email: str, password: str, address: str):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address
    )


@pytest.mark.django_db
def test_failures_for_emails_nobody_has_lock_out_no_account(client, president):
    for i in range(10):
        assert WRONG in sign_in(client, f"nobody-{i}@example.test", "guess", "192.0.2.1").text
    assert sign_in(client, president.user.email, PASSWORD, "192.0.2.1").status_code == 302


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_from_everywhere_and_no_other(
    client, president, member
):
    """The account's own limit is what stops guessing its password, from however many
    addresses; a password reset lifts it (allauth clears it)."""
    for _ in range(5):
        assert WRONG in sign_in(client, president.user.email, "guess", "192.0.2.1").text
    refused = sign_in(client, president.user.email, PASSWORD, "198.51.100.7")
    assert TOO_MANY in refused.text
    assert sign_in(client, member.user.email, PASSWORD, "192.0.2.1").status_code == 302


@pytest.fixture
def visit_us(chapter):
    today = chapter.today()
    day = today + dt.timedelta(days=(chapter.meeting_weekday - today.weekday()) % 7 or 7)
    return reverse("meetings:public", args=[chapter.slug]), MeetingFactory(
        chapter=chapter, date=day
    )


@pytest.mark.django_db
def test_the_public_form_counts_each_phone_behind_the_proxy_apart(client, settings, visit_us):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    url, meeting = visit_us

    def sign_up(phone: str, n: int):
        return client.post(url, guest(meeting, email=f"g{n}@example.test"),
                           REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": phone})  # fmt: skip

    for n in range(GUEST_LIMIT):
        assert sign_up("198.51.100.7", n).status_code == 302
    assert sign_up("198.51.100.7", GUEST_LIMIT).status_code == 429
    assert sign_up("198.51.100.8", GUEST_LIMIT + 1).status_code == 302
    assert Visitor.objects.count() == GUEST_LIMIT + 1


@pytest.mark.django_db
def test_the_public_form_refuses_on_the_request_that_finds_the_cache_away(
    client, settings, visit_us
):
    """The breaker has not tripped yet: the count itself meets the dead socket, and the
    form still refuses rather than let through a sign-up it could not count."""
    settings.CACHES = {
        "default": {
            "BACKEND": "chapter.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    url, meeting = visit_us
    assert client.post(url, guest(meeting)).status_code == 429
    assert not Visitor.objects.exists()
