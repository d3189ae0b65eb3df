"""Redis killed in the middle of a meeting's traffic and started again a few seconds later:
every page still answers, every slip logged is stored once, and /healthz says what is away.

The app runs under gunicorn with production's settings on a Redis of the test's own (the cache
and the broker), which the test kills (SIGKILL, as a crash) and starts again empty. Members,
each logged in on a browser of their own, load pages and log slips all the while.

A fault test, but not marked ``faults``: it takes about half a minute, so it runs in every
``make test`` (and so in CI), not only in ``make test-faults``.
"""

import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from referrals.models import Referral
from tests import workers
from tests.factories import MemberFactory
from tests.trust.faults import Browser, RedisServer, WebServer, process_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MEMBERS = 6
BEFORE, AWAY, AFTER = 7.0, 10.0, 7.0  # seconds


@dataclass
class Answer:
    at: float
    what: str
    status: int
    body: str = ""


def signed_in(url: str, member) -> Browser:
    client = Client()
    client.force_login(member.user)
    return Browser(url, cookies={"sessionid": client.cookies["sessionid"].value})


def member_browsing(browser: Browser, giver, receiver, stop, answers: list, slips: dict):
    """One member: the dashboard, the inbox, the directory, the slip form, then a slip."""
    pages = ["/", reverse("referrals:inbox"), reverse("members:directory"),
             reverse("referrals:log_slip")]  # fmt: skip
    log_slip = reverse("referrals:log_slip") + "?kind=referral"
    today = giver.chapter.today().isoformat()
    for n in itertools.count():
        if stop.is_set():
            return
        for page in pages:
            reply = browser.get(page)
            answers.append(Answer(time.monotonic(), page, reply.status, reply.body[:300]))
        token = f"outage-{giver.pk}-{n}"
        reply = browser.post(log_slip, {
            "token": token, "receiver": receiver.pk, "date": today, "kind": "inside",
            "contact_name": f"Contact {n}", "need": "A quote", "temperature": "1",
        })  # fmt: skip
        answers.append(Answer(time.monotonic(), "log a slip", reply.status, reply.body[:300]))
        slips[token] = reply.status


def test_members_keep_working_while_redis_is_killed_and_started_again(chapter, tmp_path):
    members = [MemberFactory(chapter=chapter) for _ in range(MEMBERS)]
    answers: list[Answer] = []
    slips: dict[str, int] = {}
    stop = threading.Event()
    with RedisServer() as redis:
        env = process_env(
            database_url=workers.test_database_url(), redis_url=redis.url,
            secret_key=settings.SECRET_KEY, var_dir=tmp_path,
        )  # fmt: skip
        with WebServer(env, workers=2, threads=4) as app:
            browsers = [signed_in(app.url, member) for member in members]
            browsing = [
                threading.Thread(
                    target=member_browsing,
                    args=(browser, member, members[i - 1], stop, answers, slips),
                )
                for i, (browser, member) in enumerate(zip(browsers, members, strict=True))
            ]
            for thread in browsing:
                thread.start()
            time.sleep(BEFORE)
            redis.kill()
            away_from = time.monotonic()
            time.sleep(AWAY / 2)
            health_away = Browser(app.url).get("/healthz")
            time.sleep(AWAY / 2)
            redis.start()
            back_at = time.monotonic()
            time.sleep(AFTER)
            stop.set()
            for thread in browsing:
                thread.join(timeout=60)
            health_back = Browser(app.url).get("/healthz")

    failed = [a for a in answers if a.status >= 500]
    assert not failed, [(a.what, a.status, a.body) for a in failed[:5]]
    assert {a.status for a in answers} == {200, 302}, Counter(a.status for a in answers)
    during = [a for a in answers if away_from < a.at < back_at]
    assert len(during) > 50, "hardly anyone browsed while Redis was away"

    assert health_away.status == 200
    assert '"status": "degraded"' in health_away.body
    assert '"cache": "unavailable"' in health_away.body
    assert '"broker": "unavailable"' in health_away.body
    assert '"status": "ok"' in health_back.body

    assert slips and set(slips.values()) == {302}  # every slip accepted …
    stored = Counter(Referral.objects.values_list("token", flat=True))
    assert stored == Counter(slips.keys())  # … and stored exactly once
