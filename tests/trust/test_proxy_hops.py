"""Behind a reverse proxy every phone arrives from the proxy's address; ``TRUSTED_PROXY_HOPS``
tells the app where in ``X-Forwarded-For`` the phone's own address is, so that one person's
failed sign-ins lock out no one else.

A real gunicorn behind a small forwarding proxy (``faults.ForwardingProxy``, as nginx's
``$proxy_add_x_forwarded_for``), on a Redis of the test's own (no limit counted by an earlier
run). Each phone connects from an address of its own: Linux answers on all of 127.0.0.0/8.
"""

import contextlib

import pytest
from django.conf import settings

from tests import workers
from tests.factories import PASSWORD
from tests.trust.faults import Browser, ForwardingProxy, RedisServer, WebServer, process_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PHONE_A, PHONE_B = "127.0.0.2", "127.0.0.3"
FAILURES_PER_ADDRESS = int(settings.ACCOUNT_RATE_LIMITS["login_failed"].split("/")[0])
WRONG = "The email address and/or password you specified are not correct."
TOO_MANY = "Too many failed login attempts."


@contextlib.contextmanager
def behind_a_proxy(tmp_path, *, hops: int):
    env = process_env(
        database_url=workers.test_database_url(), redis_url="", secret_key=settings.SECRET_KEY,
        var_dir=tmp_path, TRUSTED_PROXY_HOPS=str(hops),
    )  # fmt: skip
    with RedisServer() as redis:
        env["REDIS_URL"] = redis.url
        with WebServer(env) as app, ForwardingProxy(app.port) as proxy:
            yield proxy.url


def sign_in(url: str, phone: str, email: str, password: str, **kwargs):
    return Browser(url, source=phone).post(
        "/accounts/login/", {"login": email, "password": password}, **kwargs
    )


def fail_until_refused(url: str, phone: str) -> int:
    """Sign in with emails nobody has until the address is refused; how many were let try."""
    for tried in range(FAILURES_PER_ADDRESS + 1):
        reply = sign_in(url, phone, f"nobody-{tried}@example.test", "guess")
        if TOO_MANY in reply.body:
            return tried
        assert WRONG in reply.body, reply.body[:300]
    raise AssertionError("the address was never refused")


def test_one_phones_failed_sign_ins_lock_out_neither_another_phone_nor_an_account(
    president, tmp_path
):
    with behind_a_proxy(tmp_path, hops=1) as url:
        for i in range(11):
            reply = sign_in(url, PHONE_A, f"nobody-{i}@example.test", "guess")
            assert WRONG in reply.body
        assert sign_in(url, PHONE_B, president.user.email, PASSWORD).status == 302

        assert fail_until_refused(url, PHONE_A) == FAILURES_PER_ADDRESS - 11
        # Phone A, refused, names phone B in the header itself: the proxy's entry is read.
        spoofed = sign_in(url, PHONE_A, president.user.email, PASSWORD,
                          headers={"X-Forwarded-For": PHONE_B})  # fmt: skip
        assert TOO_MANY in spoofed.body
        assert sign_in(url, PHONE_B, president.user.email, PASSWORD).status == 302


def test_with_no_hops_set_behind_a_proxy_every_phone_shares_the_proxys_address(president, tmp_path):
    """What ``TRUSTED_PROXY_HOPS=0`` behind a proxy does (docs/security.md): every phone is
    the proxy, and one phone's failures refuse the president on another."""
    with behind_a_proxy(tmp_path, hops=0) as url:
        assert fail_until_refused(url, PHONE_A) == FAILURES_PER_ADDRESS
        refused = sign_in(url, PHONE_B, president.user.email, PASSWORD)
        assert refused.status == 200 and TOO_MANY in refused.body
