"""Faults, caused for real: the database drops every connection in the middle of a burst of
writes, and Redis is unreachable. Slow, so they run in ``make test-faults``."""

import itertools
import threading
import time

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from referrals.models import Referral
from tests.trust.faults import AppServer, CuttableProxy, free_port
from tests.trust.http import Session

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def database_url(port: int) -> str:
    p = connection.settings_dict
    return f"postgres://{p['USER']}@127.0.0.1:{port}/{p['NAME']}"


def referral(member, i: int) -> dict:
    return {"token": f"fault-{i}", "receiver": member.pk, "date": member.chapter.today(),
            "kind": "inside", "contact_name": f"Contact {i}", "temperature": 1}  # fmt: skip


def assert_friendly_503(reply) -> None:
    assert "briefly unavailable" in reply.body
    assert reply.headers.get("Retry-After") == "30"
    assert "Traceback" not in reply.body and "OperationalError" not in reply.body


def test_database_restart_during_a_burst_fails_cleanly_and_loses_nothing(
    member, other_member, tmp_path
):
    """A request waits at most DATABASE_POOL_TIMEOUT for a connection, then answers 503: one
    second here, so that the two seconds' restart is felt as it is when it outlasts the
    timeout (a shorter restart is only a pause)."""
    proxy = CuttableProxy((connection.settings_dict["HOST"], int(connection.settings_dict["PORT"])))
    proxy.mend()
    app = AppServer(
        database_url=database_url(proxy.port), redis_url=settings.REDIS_URL,
        secret_key=settings.SECRET_KEY, var_dir=tmp_path, DATABASE_POOL_TIMEOUT="1",
    )  # fmt: skip
    url = reverse("referrals:log_slip") + "?kind=referral"
    replies: dict[int, object] = {}
    counter = itertools.count()
    stop = threading.Event()

    with app:
        session = Session(app.url, other_member.user)
        assert session.get(url).status == 200  # the server has warmed up

        def writer():
            while not stop.is_set():
                i = next(counter)
                replies[i] = session.post(url, referral(member, i))

        threads = [threading.Thread(target=writer) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        proxy.cut()  # the database goes away: connections dropped, new ones refused
        time.sleep(2)
        proxy.mend()  # …and comes back
        time.sleep(4)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

        statuses = {r.status for r in replies.values()}
        assert statuses <= {302, 503}, statuses
        failed = [i for i, r in replies.items() if r.status == 503]
        assert failed, "the outage was not noticed"
        for i in failed:
            assert_friendly_503(replies[i])
        after_outage = [r.status for i, r in sorted(replies.items())][-3:]
        assert after_outage == [302, 302, 302]  # back to normal once the database is

        # The member sends the refused forms again: each is stored now, and only once.
        for i in failed:
            assert session.post(url, referral(member, i)).status == 302
        proxy.cut()

    stored = list(Referral.objects.values_list("contact_name", flat=True))
    assert sorted(stored) == sorted(f"Contact {i}" for i in replies)


def test_slips_still_save_while_redis_is_down(member, other_member, tmp_path):
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    app = AppServer(
        database_url=database_url(int(connection.settings_dict["PORT"])),
        redis_url=unreachable, secret_key=settings.SECRET_KEY, var_dir=tmp_path,
    )  # fmt: skip
    with app:
        session = Session(app.url, other_member.user)
        reply = session.post(reverse("referrals:log_slip") + "?kind=referral", referral(member, 1))
    assert reply.status == 302, reply.body[:500]
    assert Referral.objects.get().contact_name == "Contact 1"
