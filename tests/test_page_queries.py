"""Every page ``make bench`` measures runs the same number of queries for a chapter of 4
members with two weeks of history as for one of 40 with a dozen weeks, and never more than 12.

The pages and their users are ``bench.pages.PAGES`` themselves, so the suite pins exactly what
the benchmark measures: a regression (an N+1, a query per row) fails here, not in a bench run.
"""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.pages import FORM, PAGES, TRANSACTION_CONTROL
from members.models import Role
from tests import factories
from tests.conftest import built_once
from tests.factories import (
    AttendanceFactory,
    CeuFactory,
    MeetingFactory,
    MemberFactory,
    OneToOneFactory,
    ReferralFactory,
    RoleFactory,
    TyfcbFactory,
    VisitFactory,
    VisitorFactory,
)
from triggers.revision import touch

pytestmark = pytest.mark.django_db

#: Queries per page: the user with their seat (the session is in the cache, members.access
#: ``SeatBackend``), then the page's own.
EXPECTED = {
    "floor": 1,
    # The policy's statement: the home page says when the member's attendance is at risk.
    "member dashboard": 6,
    "log a slip (GET)": 2,
    "log a slip (POST)": 3,
    "referrals inbox": 2,
    "chapter directory": 3,
    "take attendance (GET)": 4,
    "take attendance (mark POST)": 4,
    "president's chapter page": 9,
    "PALMS (6 months)": 3,
    "traffic lights": 4,
    "attendance review": 6,
}
#: The same pages again while nothing of the chapter changed: these keep their content in
#: the cache under the chapter's revision (pages.kept), so only the user with their seat
#: is read (and the meeting, whose chapter it must be).
UNCHANGED = {
    "member dashboard": 1,
    "log a slip (GET)": 1,
    "referrals inbox": 1,
    "chapter directory": 1,
    "take attendance (GET)": 2,
    "president's chapter page": 1,
    "PALMS (6 months)": 1,
    "traffic lights": 1,
    "attendance review": 1,
}


def _chapter(size: int, weeks: int):
    """A chapter of ``size`` members with ``weeks`` weekly meetings of history and slips."""
    from tests.factories import ChapterFactory

    chapter = ChapterFactory(slug=f"size-{size}")
    members = [MemberFactory(chapter=chapter) for _ in range(size)]
    leader, plain = members[0], members[1]
    RoleFactory(member=leader, name=Role.Name.VICE_PRESIDENT)
    today = chapter.today()
    pairs = itertools.cycle(itertools.permutations(members, 2))
    for week in range(weeks):
        day = today - dt.timedelta(weeks=week)
        meeting = MeetingFactory(chapter=chapter, date=day)
        for m in members:
            AttendanceFactory(meeting=meeting, member=m, mark="P" if week % 3 else "A")
        VisitFactory(visitor=VisitorFactory(chapter=chapter), meeting=meeting)
        for giver, receiver in itertools.islice(pairs, size):
            ReferralFactory(giver=giver, receiver=receiver, date=day)
            TyfcbFactory(writer=giver, thanked=receiver, date=day)
            CeuFactory(member=giver, date=day)
        for giver, receiver in itertools.islice(pairs, size // 2):
            OneToOneFactory(member_a=giver, member_b=receiver, date=day)
            factories.TestimonialFactory(giver=giver, receiver=receiver, date=day)
    # The plain member is on both ends of plenty of it.
    for other in members[2:]:
        ReferralFactory(giver=other, receiver=plain, date=today)
        ReferralFactory(giver=plain, receiver=other, date=today)
    return chapter, leader, plain


@pytest.fixture(
    scope="module",
    params=[(4, 2), (40, 12)],
    ids=["4 members, 2 weeks", "40 members, 12 weeks"],
)
def sized(request, django_db_setup, django_db_blocker):
    """Built once for all the pages: each page's test writes inside a savepoint."""
    with built_once(django_db_blocker, _chapter, *request.param) as rows:
        yield rows


def test_every_bench_page_is_pinned():
    assert set(EXPECTED) == {page.label for page in PAGES}
    assert max(EXPECTED.values()) <= 12


@pytest.mark.parametrize("page", PAGES, ids=[page.label for page in PAGES])
def test_page_query_count_does_not_grow_with_the_chapter(page, sized, django_assert_num_queries):
    _chapter, leader, plain = sized
    who = leader if page.who == "leader" else plain
    client = Client()
    client.force_login(who.user)
    path = page.path(who)
    if page.method == "POST":  # fill what the first request caches (the session)
        client.post(path, data=page.body(who, 2), content_type=FORM)
    else:
        client.get(path)
    touch(who.chapter_id)  # count the page drawn afresh, as after any write: its most
    body = page.body(who, 1) if page.body else b""
    response, queries = _counted(client, page, path, body)
    assert response.status_code in (200, 302), response.status_code
    assert len(queries) == EXPECTED[page.label], "\n\n".join(queries)
    if page.method == "GET":
        _, again = _counted(client, page, path, body)
        assert len(again) == UNCHANGED.get(page.label, EXPECTED[page.label]), "\n\n".join(again)
    if page.method == "POST":
        assert "error" not in response.get("Location", "")


def _counted(client, page, path, body):
    with CaptureQueriesContext(connection) as captured:
        if page.method == "POST":
            response = client.post(path, data=body, content_type=FORM)
        else:
            response = client.get(path)
    # Transaction control is not counted (the test's transaction makes savepoints of atomic
    # blocks; production has BEGIN and COMMIT): the same rule as make bench.
    return response, [q["sql"] for q in captured if not TRANSACTION_CONTROL.match(q["sql"])]
