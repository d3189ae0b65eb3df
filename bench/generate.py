"""Generate a region for ``make bench``: chapters × members × two years of weekly history.

Rows go in with PostgreSQL ``COPY`` (psycopg 3), ids assigned here and sequences moved past
them afterwards, so ten million rows load in minutes. Deterministic for a given seed.
"""

import datetime as dt
import random
import time
from collections import Counter
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from meetings.models import Attendance, Meeting, Visit, Visitor
from members.models import Chapter, Classification, ContactSphere, Member, Region, Role, User
from referrals.models import Ceu, OneToOne, Referral, Testimonial, Tyfcb
from reports import rollup

SPHERES = [
    "Home",
    "Business services",
    "Professional services",
    "Health",
    "Events",
    "Property",
    "Creative",
    "Motoring",
]
TRADES_PER_SPHERE = 8
TIME_ZONES = ["Europe/London", "Europe/Dublin", "Europe/Paris", "America/New_York"]
FIRST = ["Ada", "Ben", "Cara", "Dev", "Ema", "Finn", "Gita", "Hal", "Isla", "Jon", "Kai", "Lea"]
LAST = ["Shah", "Okafor", "Lindqvist", "Murphy", "Novak", "Price", "Quinn", "Rossi", "Tan"]
PASSWORD = "bench-password"  # noqa: S105 - synthetic load-test users only
#: Slips beyond the chapter, as in real slips audits (DOMAIN.md "Beyond the chapter"): the
#: share of referrals and 1-2-1s with a member of another chapter of the region, of TYFCBs
#: between chapters, of slips with someone outside Slipstream, and of TYFCBs whose writer is
#: unknown (BNI Connect exports thankers anonymously).
ACROSS = 0.10
TYFCB_ACROSS = 0.05
OUTSIDE = 0.02
UNKNOWN_WRITER = 0.03
OUTSIDE_CHAPTER = "BNI Elsewhere (not in Slipstream)"
KINDS = ["inside", "outside"]


def generated_chapters():
    """The chapters ``generate`` made (``bench-0001``, …), not those a run's import timing
    left behind."""
    return Chapter.objects.filter(slug__regex=r"^bench-[0-9]+$")


def _copy(model, columns: list[str], rows) -> int:
    table = model._meta.db_table
    n = 0
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _reset_sequences(models) -> None:
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )


def chapter_size(c: int, members: int) -> int:
    """Chapters vary around ``members`` (±10), so the smallest and largest can be compared."""
    return max(4, members - 10 + (c * 8) % 21)


def generate(
    *, chapters: int = 1000, members: int = 30, weeks: int = 104, seed: int = 1
) -> Counter:
    """Load the region into an empty database; returns row counts per table."""
    assert connection.vendor == "postgresql", "the bench generator needs PostgreSQL"
    rng = random.Random(seed)
    counts: Counter = Counter()
    today = timezone.localdate()
    first_day = today - dt.timedelta(weeks=weeks)
    now = timezone.now()
    password = make_password(PASSWORD)
    started = time.monotonic()

    with connection.cursor() as cursor:  # this session only: rebuilt at the end
        cursor.execute("SELECT set_config(%s, 'deferred', false)", [rollup.SETTING])
    region = Region.objects.create(name="Bench Region", slug="bench")
    spheres = [ContactSphere.objects.create(name=f"{name} (bench)") for name in SPHERES]
    trades = [
        Classification.objects.create(name=f"{sphere.name} trade {t}", sphere=sphere)
        for sphere in spheres
        for t in range(TRADES_PER_SPHERE)
    ]
    assert members + 10 <= len(trades)

    chapter_rows, user_rows, member_rows, role_rows = [], [], [], []
    meeting_rows = []
    chapter_meetings: dict[int, list[tuple[int, dt.date]]] = {}
    chapter_members: dict[int, list[tuple[int, dt.date]]] = {}
    meeting_id = 0
    for c in range(1, chapters + 1):
        weekday = (c - 1) % 5
        tz = TIME_ZONES[c % len(TIME_ZONES)]
        chapter_rows.append(
            (
                c,
                region.pk,
                f"Bench {c:04d}",
                f"bench-{c:04d}",
                tz,
                weekday,
                dt.time(7),
                90,
                "Bench venue",
                "",
                "GBP",
                3,
                26,
                8,
                70,
                50,
                30,
                Decimal("10000.00"),
                '{"absences": [20, 15, 10, 5], '
                '"referrals_per_week": [[1, 20], [0.75, 15], [0.5, 10], [0.25, 5]], '
                '"visitors_per_month": [[1, 20], [0.75, 15], [0.5, 10], [0.25, 5]], '
                '"one_to_ones_per_week": [[1, 20], [0.75, 15], [0.5, 10], [0.25, 5]], '
                '"ceu_per_week": [[1, 10], [0.5, 5]], '
                '"tyfcb": {"threshold": 5, "half": 3, "any": 1}, '
                '"testimonials": [[2, 5], [1, 3]]}',
                now,
            )
        )
        first_meeting = first_day + dt.timedelta(days=(weekday - first_day.weekday()) % 7)
        chapter_meetings[c] = []
        for w in range(weeks):
            meeting_id += 1
            day = first_meeting + dt.timedelta(weeks=w)
            meeting_rows.append(
                (
                    meeting_id,
                    c,
                    day,
                    dt.datetime.combine(day, dt.time(7), tzinfo=dt.UTC),
                    None,
                    False,
                    "",
                    None,
                    None,
                )
            )
            chapter_meetings[c].append((meeting_id, day))
        chapter_members[c] = []
        for m in range(chapter_size(c, members)):
            uid = len(user_rows) + 1
            # Most joined before the window; some during it (they are scored on fewer weeks).
            joined = first_day - dt.timedelta(days=rng.randint(1, 700))
            if m >= chapter_size(c, members) - 3:
                joined = first_day + dt.timedelta(days=rng.randint(0, weeks * 7 - 30))
            user_rows.append(
                (
                    uid,
                    password,
                    None,
                    m == 0 and c == 1,
                    FIRST[m % len(FIRST)],
                    LAST[(m + c) % len(LAST)],
                    False,
                    True,
                    now,
                    f"m{c:04d}-{m:02d}@bench.test",
                )
            )
            member_rows.append(
                (
                    uid,
                    uid,
                    c,
                    f"Company {c}-{m}",
                    trades[m].pk,
                    "+44 20 7946 0000",
                    "",
                    "",
                    None,
                    joined,
                    None,
                    joined + dt.timedelta(days=365 * 3),
                    "active",
                    None,
                    None,
                    None,
                    None,
                    now,
                )
            )
            chapter_members[c].append((uid, joined))
        president, vice_president = chapter_members[c][0][0], chapter_members[c][1][0]
        # The vice-president submitted every week the day after its meeting, all but the
        # latest: its meeting has just been held.
        for i in range(len(meeting_rows) - weeks, len(meeting_rows) - 1):
            row = meeting_rows[i]
            meeting_rows[i] = (*row[:7], row[3] + dt.timedelta(days=1), vice_president)
        role_rows.append((len(role_rows) + 1, president, "president", first_day, None))
        role_rows.append((len(role_rows) + 1, vice_president, "vice_president", first_day, None))

    counts["chapters"] = _copy(
        Chapter,
        [
            "id",
            "region_id",
            "name",
            "slug",
            "time_zone",
            "meeting_weekday",
            "meeting_time",
            "meeting_minutes",
            "venue",
            "online_link",
            "currency",
            "absence_limit",
            "policy_window_weeks",
            "medical_allowance_weeks",
            "green_min",
            "yellow_min",
            "red_min",
            "tyfcb_threshold",
            "light_points",
            "created_at",
        ],
        chapter_rows,
    )
    counts["users"] = _copy(
        User,
        [
            "id",
            "password",
            "last_login",
            "is_superuser",
            "first_name",
            "last_name",
            "is_staff",
            "is_active",
            "date_joined",
            "email",
        ],
        user_rows,
    )
    counts["members"] = _copy(
        Member,
        [
            "id",
            "user_id",
            "chapter_id",
            "company",
            "classification_id",
            "phone",
            "website",
            "ideal_referral",
            "sponsor_id",
            "joined_on",
            "left_on",
            "renewal_due",
            "status",
            "leave_from",
            "leave_until",
            "status_changed_at",
            "status_changed_by_id",
            "created_at",
        ],
        member_rows,
    )
    counts["roles"] = _copy(Role, ["id", "member_id", "name", "started_on", "ended_on"], role_rows)
    counts["meetings"] = _copy(
        Meeting,
        [
            "id",
            "chapter_id",
            "date",
            "starts_at",
            "presenter_id",
            "cancelled",
            "cancel_reason",
            "submitted_at",
            "submitted_by_id",
        ],
        meeting_rows,
    )

    marks = ["P"] * 85 + ["A"] * 5 + ["L"] * 4 + ["M"] * 3 + ["S"] * 3
    statuses = ["new", "contacted", "meeting_booked", "won", "won", "lost", "not_a_fit"]

    def attendance():
        i = 0
        for c, meetings in chapter_meetings.items():
            for mid, day in meetings:
                for uid, joined in chapter_members[c]:
                    if joined <= day:
                        i += 1
                        mark = rng.choice(marks)
                        yield (i, mid, uid, mark, "A. Substitute" if mark == "S" else "", None, now)

    counts["attendance"] = _copy(
        Attendance,
        [
            "id",
            "meeting_id",
            "member_id",
            "mark",
            "substitute_name",
            "recorded_by_id",
            "updated_at",
        ],
        attendance(),
    )

    def elsewhere(c: int, day: dt.date) -> int | None:
        """A member of another chapter of the region, belonging on ``day``'s week."""
        if chapters < 2:
            return None
        other = rng.randrange(1, chapters)
        other += other >= c
        present = [uid for uid, j in chapter_members[other] if j <= day - dt.timedelta(days=6)]
        return rng.choice(present) if present else None

    def slips(per_week: float, make, across: float = 0.0):
        """``make(i, c, a, b, day)`` for ``per_week`` slips a member a week of each chapter
        ``c``: ``a`` a member of it, ``b`` another, or a share ``across`` of the time a
        member of another chapter (the slip is logged in ``a``'s chapter)."""
        i = 0
        for c, meetings in chapter_meetings.items():
            people = chapter_members[c]
            for _, day in meetings:
                present = [(uid, j) for uid, j in people if j <= day - dt.timedelta(days=6)]
                if len(present) < 2:
                    continue
                n = int(per_week * len(present) + rng.random())
                for _ in range(n):
                    (a, _ja), (b, _jb) = rng.sample(present, 2)
                    if across and rng.random() < across:
                        b = elsewhere(c, day) or b
                    i += 1
                    yield make(i, c, a, b, day - dt.timedelta(days=rng.randint(0, 6)))

    stamps = (None, now, now)  # created_by, created_at, updated_at

    def referral(i, c, a, b, d):
        giver, other, their_chapter = a, "", ""
        if rng.random() < OUTSIDE:  # received from someone outside Slipstream, or from BNI
            giver, b = None, a
            other, their_chapter = ("BNI", "") if i % 2 else (f"Giver {i}", OUTSIDE_CHAPTER)
        kind, temperature, status = rng.choice(KINDS), rng.randint(1, 5), rng.choice(statuses)
        contact = (f"Contact {i}", "", "", "", "A quote", temperature, False, False)
        return (i, c, d, *stamps, giver, b, kind, *contact, status, None, other, their_chapter)

    def tyfcb(i, c, a, b, d):
        writer, thanked, other, their_chapter = a, b, "", ""
        roll = rng.random()
        if roll < UNKNOWN_WRITER:  # thanks ``a`` for business; BNI Connect did not say who
            writer, thanked = None, a
        elif roll < UNKNOWN_WRITER + OUTSIDE:  # a former member or a visitor thanked
            thanked, other = None, f"Former member {i}"
        elif roll < UNKNOWN_WRITER + 2 * OUTSIDE:  # a writer outside Slipstream thanks ``a``
            writer, thanked, other, their_chapter = None, a, f"Writer {i}", OUTSIDE_CHAPTER
        amount = Decimal(rng.randint(100, 500000)) / 100
        business = rng.choice(["new", "repeat"])
        return (i, c, d, *stamps, writer, thanked, amount, business, None, other, their_chapter)

    counts["referrals"] = _copy(
        Referral,
        [
            "id",
            "chapter_id",
            "date",
            "created_by_id",
            "created_at",
            "updated_at",
            "giver_id",
            "receiver_id",
            "kind",
            "contact_name",
            "contact_phone",
            "contact_email",
            "contact_company",
            "need",
            "temperature",
            "told_them_you_would_call",
            "gave_your_card",
            "status",
            "status_changed_at",
            "other_name",
            "other_chapter_name",
        ],
        slips(1.0, referral, ACROSS),
    )
    counts["tyfcb"] = _copy(
        Tyfcb,
        [
            "id",
            "chapter_id",
            "date",
            "created_by_id",
            "created_at",
            "updated_at",
            "writer_id",
            "thanked_id",
            "amount",
            "business",
            "referral_id",
            "other_name",
            "other_chapter_name",
        ],
        slips(0.3, tyfcb, TYFCB_ACROSS),
    )

    def one_to_one(i, c, a, b, d):
        if rng.random() < OUTSIDE:  # with a visitor, or someone from a chapter elsewhere
            return (i, c, d, *stamps, a, None, None, "", "done", f"Visitor {i}", "")
        return (i, c, d, *stamps, min(a, b), max(a, b), None, "", "done", "", "")

    def one_to_ones():
        seen = set()
        for row in slips(0.4, one_to_one, ACROSS):
            key = (row[6], row[7], row[2])
            if key not in seen:
                seen.add(key)
                yield row

    counts["one_to_ones"] = _copy(
        OneToOne,
        [
            "id",
            "chapter_id",
            "date",
            "created_by_id",
            "created_at",
            "updated_at",
            "member_a_id",
            "member_b_id",
            "time",
            "place",
            "status",
            "other_name",
            "other_chapter_name",
        ],
        one_to_ones(),
    )
    counts["ceus"] = _copy(
        Ceu,
        [
            "id",
            "chapter_id",
            "date",
            "created_by_id",
            "created_at",
            "updated_at",
            "member_id",
            "topic",
            "credits",
        ],
        slips(1.0, lambda i, c, a, b, d: (i, c, d, None, now, now, a, "Podcast", 1)),
    )
    counts["testimonials"] = _copy(
        Testimonial,
        [
            "id",
            "chapter_id",
            "date",
            "created_by_id",
            "created_at",
            "updated_at",
            "giver_id",
            "receiver_id",
            "text",
        ],
        slips(0.1, lambda i, c, a, b, d: (i, c, d, None, now, now, a, b, "Great!")),
    )

    visitor_rows, visit_rows = [], []
    for c, meetings in chapter_meetings.items():
        for mid, _day in meetings:
            for _ in range(int(len(chapter_members[c]) / 4.33 + rng.random())):
                vid = len(visitor_rows) + 1
                inviter = rng.choice(chapter_members[c])[0]
                visitor_rows.append(
                    (
                        vid,
                        c,
                        f"Visitor {vid}",
                        f"v{vid}@bench.test",
                        "",
                        "",
                        None,
                        "",
                        "attended",
                        now,
                    )
                )
                visit_rows.append((vid, vid, mid, inviter, True, now))
    counts["visitors"] = _copy(
        Visitor,
        [
            "id",
            "chapter_id",
            "name",
            "email",
            "phone",
            "company",
            "classification_id",
            "trade",
            "status",
            "created_at",
        ],
        visitor_rows,
    )
    counts["visits"] = _copy(
        Visit,
        ["id", "visitor_id", "meeting_id", "invited_by_id", "attended", "created_at"],
        visit_rows,
    )

    _reset_sequences(
        [
            Chapter,
            User,
            Member,
            Role,
            Meeting,
            Attendance,
            Referral,
            Tyfcb,
            OneToOne,
            Ceu,
            Testimonial,
            Visitor,
            Visit,
        ]
    )
    # The rollup (reports.rollup) is counted once from what was loaded, not per COPY.
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, '', false)", [rollup.SETTING])
    rollup.rebuild()
    # As after any bulk load: planner statistics, and a visibility map so index-only scans
    # need not visit the heap (autovacuum would get there, minutes later).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    counts["seconds"] = round(time.monotonic() - started)
    return counts
