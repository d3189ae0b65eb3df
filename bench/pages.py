"""The pages ``make bench`` measures, the users it logs in as, and their query counts."""

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.crypto import get_random_string

from bench.generate import generated_chapters
from bench.load import Request
from members.models import Chapter, Member
from triggers.revision import touch

CSRF = get_random_string(32)


@dataclass
class Login:
    member: Member
    cookie: str


def log_in(member: Member) -> Login:
    session = SessionStore()
    session[SESSION_KEY] = str(member.user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = member.user.get_session_auth_hash()
    session.create()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}; csrftoken={CSRF}"
    return Login(member, cookie)


@dataclass
class Personas:
    smallest: Chapter
    largest: Chapter
    members: list[Login] = field(default_factory=list)
    leaders: list[Login] = field(default_factory=list)

    @classmethod
    def build(cls, spread: int = 50) -> "Personas":
        sizes = list(
            generated_chapters()
            .annotate(n=Count("members"))
            .order_by("n", "pk")
            .values_list("pk", "n")
        )
        smallest = Chapter.objects.get(pk=sizes[0][0])
        largest = Chapter.objects.get(pk=sizes[-1][0])
        rng = random.Random(7)
        picked = rng.sample([pk for pk, _ in sizes], min(spread, len(sizes)))
        personas = cls(smallest=smallest, largest=largest)
        for pk in picked:
            leader = (
                Member.objects.filter(chapter_id=pk, roles__name="vice_president")
                .select_related("user", "chapter")
                .first()
            )
            plain = (
                Member.objects.filter(chapter_id=pk, roles__isnull=True)
                .select_related("user", "chapter")
                .first()
            )
            personas.members.append(log_in(plain))
            personas.leaders.append(log_in(leader))
        return personas


@dataclass
class Page:
    label: str
    who: str  # "member" or "leader"
    path: Callable[[Member], str]
    method: str = "GET"
    body: Callable[[Member, int], bytes] | None = None

    def request_maker(
        self, personas: Personas, *, afresh: bool = False
    ) -> Callable[[int, int], Request]:
        """Requests as the client ``client_no`` sends them; ``afresh``: each right after a
        write to the chapter (its revision moved), so the page is drawn, not kept."""
        logins = personas.members if self.who == "member" else personas.leaders
        paths = [self.path(login.member) for login in logins]
        if self.body:  # what a body looks up, looked up here rather than in the load threads
            for login in logins:
                self.body(login.member, 0)

        def make(client_no: int, n: int) -> Request:
            i = client_no % len(logins)
            login = logins[i]
            if afresh:
                touch(login.member.chapter_id)
            body = self.body(login.member, n) if self.body else b""
            headers = {"X-CSRFToken": CSRF, "Referer": "http://127.0.0.1/"} if body else None
            return Request(self.method, paths[i], login.cookie, body, headers)

        return make


def _url(name: str, *args) -> Callable[[Member], str]:
    return lambda member: reverse(name, args=args)


def _this_weeks_meeting(member: Member) -> int:
    from meetings.models import Meeting

    meeting = (
        Meeting.objects.filter(chapter_id=member.chapter_id, date__lte=member.chapter.today())
        .order_by("-date")
        .values_list("pk", flat=True)
        .first()
    )
    return meeting


def _someone_else(member: Member) -> Member:
    return (
        Member.objects.filter(chapter_id=member.chapter_id, status="active")
        .exclude(pk=member.pk)
        .order_by("pk")
        .first()
    )


def _take_attendance(member: Member) -> str:
    return reverse("meetings:take_attendance", args=[_this_weeks_meeting(member)])


def _mark(member: Member) -> str:
    return reverse("meetings:mark", args=[_this_weeks_meeting(member), _someone_else(member).pk])


def _mark_body(member: Member, n: int) -> bytes:
    return urlencode({"mark": "PL"[n % 2]}).encode()


def _referral_body(member: Member, n: int) -> bytes:
    return urlencode(
        {
            "receiver": _receiver(member),
            "kind": "inside",
            "contact_name": f"Bench contact {n}",
            "need": "A quote",
            "temperature": "1",
            "date": member.chapter.today().isoformat(),
            "token": f"bench-{member.pk}-{n}-{get_random_string(8)}",
        }
    ).encode()


_RECEIVERS: dict[int, int] = {}


def _receiver(member: Member) -> int:
    """Looked up once per member: the load driver must not query the database per request."""
    if member.pk not in _RECEIVERS:
        _RECEIVERS[member.pk] = _someone_else(member).pk
    return _RECEIVERS[member.pk]


PAGES: list[Page] = [
    Page("floor", "member", _url("floor")),
    Page("member dashboard", "member", _url("home")),
    Page("log a slip (GET)", "member", _url("referrals:log_slip")),
    Page(
        "log a slip (POST)",
        "member",
        lambda m: reverse("referrals:log_slip") + "?kind=referral",
        "POST",
        _referral_body,
    ),
    Page("referrals inbox", "member", _url("referrals:inbox")),
    Page("chapter directory", "member", _url("members:directory")),
    Page("take attendance (GET)", "leader", _take_attendance),
    Page("take attendance (mark POST)", "leader", _mark, "POST", _mark_body),
    Page("president's chapter page", "leader", _url("reports:chapter")),
    Page("PALMS (6 months)", "leader", _url("reports:palms")),
    Page("traffic lights", "leader", _url("reports:lights")),
    Page("attendance review", "leader", _url("meetings:review")),
]


FORM = "application/x-www-form-urlencoded"
#: BEGIN, COMMIT and savepoints are not counted: the queries are what the page asks for.
TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def query_counts(personas: Personas) -> dict[str, dict[str, int]]:
    """Each page's query count for a user of the smallest and of the largest chapter."""
    counts: dict[str, dict[str, int]] = {}
    for page in PAGES:
        counts[page.label] = {}
        for label, chapter in (("smallest", personas.smallest), ("largest", personas.largest)):
            member = (
                Member.objects.filter(chapter=chapter, roles__name="vice_president").first()
                if page.who == "leader"
                else Member.objects.filter(chapter=chapter, roles__isnull=True).first()
            )
            client = Client()
            client.force_login(member.user)
            path = page.path(member)  # the harness's own lookups stay out of the count
            body = page.body(member, 0) if page.body else b""
            if page.method == "POST":  # warm what the first request fills (the session)
                client.post(path, data=page.body(member, 1), content_type=FORM)
            else:
                client.get(path)
            touch(chapter.pk)  # counted drawn afresh (as after a write), not from the cache
            with CaptureQueriesContext(connection) as ctx:
                if page.method == "POST":
                    client.post(path, data=body, content_type=FORM)
                else:
                    client.get(path)
            counts[page.label][label] = sum(
                1 for q in ctx.captured_queries if not TRANSACTION_CONTROL.match(q["sql"])
            )
    return counts
