"""The meeting burst: ten chapters meet at once, and fifty clients replay what their people do.

In each chapter every member opens Log a slip and logs two to four referrals, opening their
dashboard and their inbox after each; the vice-president opens the attendance grid, taps 30
marks and opens it again; the president opens the chapter page and PALMS, twice. A free client
takes the next person and plays their requests back to back, so the clients are always busy
(as the floor's 50 are) and every read follows writes to its chapter: the pages are drawn
afresh, not kept.

Each request kind is held to the floor measured at 50 clients in the same run, just before
and just after the burst: a member's requests to 3× its p95, the vice-president's and the
president's to 6×; none may take over a second, and none may fail.
"""

import random
import statistics
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import connection
from django.urls import reverse
from django.utils.crypto import get_random_string

from bench import load
from bench.cpu import Meter
from bench.generate import generated_chapters
from bench.pages import CSRF, log_in
from meetings.models import Meeting
from members.models import Chapter, Member

CHAPTERS = 10
CLIENTS = 50
MARKS = 30
#: Kinds a member sends, held to 3× the floor; the leadership's to 6×.
MEMBER_KINDS = ("log a slip (GET)", "log a slip (POST)", "member dashboard", "referrals inbox")
LEADER_KINDS = (
    "take attendance (GET)",
    "take attendance (mark POST)",
    "president's chapter page",
    "PALMS (6 months)",
)
MEMBER_RATIO, LEADER_RATIO, SLOWEST_MS = 3, 6, 1000
#: A slip form drawn again carries its errors in this class; a mark's row too.
REFUSED = b'class="errorlist'
POSTED = {"X-CSRFToken": CSRF, "Referer": "http://127.0.0.1/"}


@dataclass
class MeetingRoom:
    """One chapter at its meeting: who is there, and this week's meeting."""

    chapter: Chapter
    meeting_pk: int
    members: list[Member]  # seated, no role: they log slips
    markable: list[Member]  # everyone the vice-president may mark
    vice_president: Member
    president: Member


def meetings(count: int = CHAPTERS, seed: int = 23) -> list[MeetingRoom]:
    """``count`` generated chapters, the same ones each run, each with its latest meeting."""
    pks = sorted(generated_chapters().values_list("pk", flat=True))
    picked = random.Random(seed).sample(pks, min(count, len(pks)))
    found = []
    for chapter in Chapter.objects.filter(pk__in=picked).order_by("pk"):
        today = chapter.today()
        meeting = (
            Meeting.objects.filter(chapter=chapter, date__lte=today, cancelled=False)
            .order_by("-date")
            .first()
        )
        seated = list(
            Member.objects.filter(chapter=chapter, status="active", joined_on__lte=meeting.date)
            .select_related("user", "chapter")
            .prefetch_related("roles")
            .order_by("pk")
        )

        def holder(role: str, seated=seated) -> Member:
            return next(m for m in seated if any(r.name == role for r in m.roles.all()))

        vice_president, president = holder("vice_president"), holder("president")
        found.append(
            MeetingRoom(
                chapter=chapter,
                meeting_pk=meeting.pk,
                members=[m for m in seated if not m.roles.all()],
                markable=[m for m in seated if m.pk != vice_president.pk],
                vice_president=vice_president,
                president=president,
            )
        )
    return found


def _slip(member: Member, receiver: Member, n: int) -> bytes:
    return urlencode(
        {
            "receiver": receiver.pk,
            "kind": "inside",
            "contact_name": f"Bench contact burst {member.pk}-{n}",
            "need": "A quote",
            "temperature": "3",
            "date": member.chapter.today().isoformat(),
            "token": f"burst-{member.pk}-{n}-{get_random_string(8)}",
        }
    ).encode()


def member_script(member: Member, others: list[Member], rng: random.Random) -> list[load.Request]:
    cookie = log_in(member).cookie
    log = reverse("referrals:log_slip")
    steps = [load.Request("GET", log, cookie, kind="log a slip (GET)")]
    for n in range(rng.randint(2, 4)):
        receiver = rng.choice([m for m in others if m.pk != member.pk])
        steps += [
            load.Request(
                "POST",
                f"{log}?kind=referral",
                cookie,
                _slip(member, receiver, n),
                POSTED,
                kind="log a slip (POST)",
                expect=302,
            ),
            load.Request("GET", reverse("home"), cookie, kind="member dashboard"),
            load.Request("GET", reverse("referrals:inbox"), cookie, kind="referrals inbox"),
        ]
    return steps


def vice_president_script(at: MeetingRoom, rng: random.Random) -> list[load.Request]:
    cookie = log_in(at.vice_president).cookie
    grid = reverse("meetings:take_attendance", args=[at.meeting_pk])
    steps = [load.Request("GET", grid, cookie, kind="take attendance (GET)")]
    for n in range(MARKS):  # round the roster; a chapter smaller than 30 is marked again
        member = at.markable[n % len(at.markable)]
        mark = rng.choice("PPPPPPLA")
        steps.append(
            load.Request(
                "POST",
                reverse("meetings:mark", args=[at.meeting_pk, member.pk]),
                cookie,
                urlencode({"mark": mark}).encode(),
                POSTED | {"HX-Request": "true"},
                kind="take attendance (mark POST)",
                refused=REFUSED,
            )
        )
    steps.append(load.Request("GET", grid, cookie, kind="take attendance (GET)"))
    return steps


def president_script(at: MeetingRoom) -> list[load.Request]:
    cookie = log_in(at.president).cookie
    chapter_page = load.Request(
        "GET", reverse("reports:chapter"), cookie, kind="president's chapter page"
    )
    palms = load.Request("GET", reverse("reports:palms"), cookie, kind="PALMS (6 months)")
    return [chapter_page, palms, chapter_page, palms]


def scripts(at: list[MeetingRoom], seed: int = 23) -> list[list[load.Request]]:
    """Everyone's requests, in the order the clients take them: the vice-presidents first (their
    marks run through the whole burst), then the members of every chapter in turn, with each
    president a third of the way in, when the chapter's slips are arriving."""
    rng = random.Random(seed)
    members = []
    per_chapter = [[member_script(m, a.members, rng) for m in a.members] for a in at]
    for turn in range(max(len(c) for c in per_chapter)):
        members += [c[turn] for c in per_chapter if turn < len(c)]
    third = len(members) // 3
    presidents = [president_script(a) for a in at]
    return (
        [vice_president_script(a, rng) for a in at] + members[:third] + presidents + members[third:]
    )


def _summary(result: load.Result) -> dict:
    return {
        "requests": result.requests,
        "errors": result.errors,
        "p50_ms": round(result.p50, 2),
        "p95_ms": round(result.percentile(95), 2),
        "max_ms": round(max(result.latencies_ms), 2),
    }


def floor_run(port: int, make_request, meter: Meter, requests: int) -> dict:
    """The floor at 50 clients (after one request per client to warm), with its CPU."""
    load.run(port, make_request, clients=CLIENTS, total=CLIENTS)
    meter.start()
    result = load.run(port, make_request, clients=CLIENTS, total=requests)
    cpu = meter.stop()
    return _summary(result) | {"rps": round(result.rps, 1), "cpu_ms": _per_request(cpu, result)}


def _per_request(cpu: dict[str, float], result: load.Result | int) -> dict[str, float]:
    n = result if isinstance(result, int) else result.requests
    return {side: round(seconds * 1000 / max(n, 1), 2) for side, seconds in cpu.items()}


def measure(port: int, server_pid: int, floor_request, *, floor_requests: int) -> dict:
    """The burst between two floor runs; every figure and each target's verdict."""
    at = meetings()
    plays = scripts(at)
    meter = Meter(server_pid, connection)
    floors = [floor_run(port, floor_request, meter, floor_requests)]
    meter.start()
    results, seconds = load.run_scripts(port, plays, clients=CLIENTS)
    cpu = meter.stop()
    floors.append(floor_run(port, floor_request, meter, floor_requests))
    floor_p95 = round(statistics.median(f["p95_ms"] for f in floors), 2)
    total = sum(r.requests for r in results.values())
    kinds = {}
    for kind in (*MEMBER_KINDS, *LEADER_KINDS):
        row = _summary(results[kind])
        row["ratio_p95"] = round(row["p95_ms"] / floor_p95, 2)
        row["target"] = MEMBER_RATIO if kind in MEMBER_KINDS else LEADER_RATIO
        row["pass"] = row["ratio_p95"] <= row["target"]
        kinds[kind] = row
    slowest = max(max(r.latencies_ms) for r in results.values())
    errors = sum(r.errors for r in results.values())
    return {
        "chapters": len(at),
        "people": len(plays),
        "clients": CLIENTS,
        "requests": total,
        "seconds": round(seconds, 2),
        "rps": round(total / seconds, 1),
        "floor_c50": floors,
        "floor_p95_ms": floor_p95,
        "floor_rps": round(statistics.median(f["rps"] for f in floors), 1),
        "kinds": kinds,
        "cpu_s": cpu,
        "cpu_ms_per_request": _per_request(cpu, total),
        "max_ms": round(slowest, 2),
        "errors": errors,
        "targets": {
            f"member requests p95 ≤ {MEMBER_RATIO}× the floor's": all(
                kinds[k]["pass"] for k in MEMBER_KINDS
            ),
            f"vice-president's and president's p95 ≤ {LEADER_RATIO}× the floor's": all(
                kinds[k]["pass"] for k in LEADER_KINDS
            ),
            f"no request over {SLOWEST_MS / 1000:g} s": slowest <= SLOWEST_MS,
            "no errors": errors == 0,
        },
    }


def report(burst: dict) -> None:
    """The burst's table as the bench prints it."""
    floor = burst["floor_c50"]
    print(
        f"\nThe meeting burst: {burst['chapters']} chapters, {burst['people']} people on "
        f"{burst['clients']} clients: {burst['requests']} requests in {burst['seconds']} s, "
        f"{burst['rps']} req/s. The floor at {burst['clients']} clients before and after: "
        f"p95 {floor[0]['p95_ms']} and {floor[1]['p95_ms']} ms, "
        f"{floor[0]['rps']} and {floor[1]['rps']} req/s."
    )
    print(
        f"{'request':<30}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'×floor':>8}"
        f"{'target':>8}{'errors':>8}"
    )
    for kind, row in burst["kinds"].items():
        verdict = "pass" if row["pass"] else "FAIL"
        print(
            f"{kind:<30}{row['requests']:>6}{row['p50_ms']:>9}{row['p95_ms']:>9}"
            f"{row['max_ms']:>9}{row['ratio_p95']:>8}{'≤ ' + str(row['target']) + '×':>8}"
            f"{row['errors']:>8}  {verdict}"
        )
    per, floor_per = burst["cpu_ms_per_request"], burst["floor_c50"][0]["cpu_ms"]
    print(
        f"CPU per request, ms: workers {per['workers']}, database {per['database']}, "
        f"load driver {per['driver']} (the floor: {floor_per['workers']}, "
        f"{floor_per['database']}, {floor_per['driver']})"
    )
    for target, ok in burst["targets"].items():
        print(f"  {'pass' if ok else 'FAIL'}  {target}")
