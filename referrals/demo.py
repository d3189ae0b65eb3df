"""The slips of the demo chapter (see members.demo): 26 weeks of believable activity.

Seeded ``random.Random`` so every run builds the same chapter. Activity varies per member so
the traffic lights show every colour: a few very active members, most medium, one quiet and
one nearly inactive. Idempotent: a chapter that already has referrals is left alone.
"""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from members.models import Chapter, Member

from .models import Ceu, OneToOne, Referral, ReferralStatusChange, Testimonial, Tyfcb

WEEKS = 26
# Expected slips per member per week: referrals given, 1-2-1s done, CEU credits, testimonials.
PROFILES = {
    "very active": (1.3, 1.1, 1.2, 0.12),
    "active": (0.9, 0.8, 0.8, 0.08),
    "medium": (0.6, 0.55, 0.5, 0.05),
    "quiet": (0.3, 0.25, 0.2, 0.02),
    "nearly inactive": (0.0, 0.0, 0.0, 0.0),  # the newest member, not started yet: grey
}
CONTACTS = [
    ("Hannah Price", "Price Dental", "A new patient booking system"),
    ("Tom Becker", "Becker Logistics", "Quarterly accounts and payroll"),
    ("Grace Oduya", "", "Moving house in spring; needs a conveyancer"),
    ("Luis Moreno", "Moreno Bakery", "A website that takes orders"),
    ("Aisha Khan", "Khan Architects", "Office fit-out quote"),
    ("Peter Novak", "", "Boiler service and a new radiator"),
    ("Chloe Martin", "Martin & Daughters", "Staff training day"),
    ("Sam Whitfield", "Whitfield Farm Shop", "Brochures and signage"),
    ("Nia Roberts", "", "Will and lasting power of attorney"),
    ("Owen Hughes", "Hughes Garage", "Bookkeeping help"),
    ("Maya Patel", "Patel Pharmacy", "Security cameras"),
    ("Ben Carter", "", "Kitchen renovation"),
]
TOPICS = [
    "Podcast: Givers Gain",
    "Article: The 30-second pitch",
    "Workshop: Presenting with impact",
    "Podcast: Referral temperature",
    "Training: Member success programme",
    "Article: Better 1-2-1s",
]
PLACES = ["Café Nero, High St", "The Old Bank", "Online", "Riverside Hotel lobby"]
TESTIMONIALS = [
    "Fixed our problem the same week and kept us posted all the way. Highly recommended.",
    "Thorough, friendly and on budget. My client was delighted.",
    "Went above and beyond for a referral I passed; they have a customer for life.",
]


def _profiles(members: list[Member]) -> dict[int, str]:
    """Spread the profiles over the members deterministically (by join order)."""
    n = len(members)
    profiles = {}
    for index, member in enumerate(members):
        if index == n - 1 and n >= 3:
            profiles[member.pk] = "nearly inactive"
        elif index == n - 2 and n >= 6:
            profiles[member.pk] = "quiet"
        elif index < max(1, n // 6):
            profiles[member.pk] = "very active"
        elif index < max(2, n // 3):
            profiles[member.pk] = "active"
        else:
            profiles[member.pk] = "medium"
    return profiles


def _count(rng: random.Random, rate: float) -> int:
    whole = int(rate)
    return whole + (1 if rng.random() < rate - whole else 0)


def _noon(day: dt.date, chapter: Chapter) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=chapter.tz)


@transaction.atomic
def seed(chapter: Chapter) -> None:
    """Add this app's demo rows to chapter; safe to call again."""
    if Referral.objects.filter(chapter=chapter).exists():
        return
    members = list(
        Member.objects.filter(chapter=chapter)
        .exclude(status=Member.Status.APPLICANT)
        .select_related("user")
        .order_by("joined_on", "pk")
    )
    if len(members) < 2:
        return
    rng = random.Random(f"slipstream-demo:{chapter.slug}")
    today = chapter.today()
    start = today - dt.timedelta(weeks=WEEKS)
    profiles = _profiles(members)
    by_pk = {m.pk: m for m in members}

    def partner(member: Member, day: dt.date, *, active_only: bool = False) -> Member | None:
        """Someone to pass a slip to; with ``active_only`` never the nearly inactive member
        (who does no 1-2-1s and gives no referrals), so their light is grey, as a real
        chapter's newest member's often is."""
        others = [
            m
            for m in members
            if m.pk != member.pk
            and m.belongs_on(day)
            and not (active_only and profiles[m.pk] == "nearly inactive")
        ]
        return rng.choice(others) if others else None

    referrals, tyfcbs, one_to_ones, ceus, testimonials = [], [], [], [], []
    pairs_seen: set[tuple[int, int, dt.date]] = set()
    for week in range(WEEKS):
        week_start = start + dt.timedelta(weeks=week)
        for member in members:
            refs, ones, ceu_rate, testi = PROFILES[profiles[member.pk]]
            for _ in range(_count(rng, refs)):
                day = week_start + dt.timedelta(days=rng.randrange(7))
                other = partner(member, day) if member.belongs_on(day) else None
                if other is None or day > today:
                    continue
                name, company, need = rng.choice(CONTACTS)
                referrals.append(
                    Referral(
                        chapter=chapter,
                        giver=member,
                        receiver=other,
                        date=day,
                        kind=rng.choice(["inside", "outside", "outside"]),
                        contact_name=name,
                        contact_company=company,
                        contact_phone=f"07700 900{rng.randrange(100, 999)}",
                        need=need,
                        temperature=rng.choice([1, 2, 2, 3, 3, 4, 5]),
                        told_them_you_would_call=rng.random() < 0.7,
                        gave_your_card=rng.random() < 0.5,
                        created_by=member.user,
                    )
                )
            for _ in range(_count(rng, ones)):
                day = week_start + dt.timedelta(days=rng.randrange(7))
                other = partner(member, day, active_only=True) if member.belongs_on(day) else None
                if other is None or day > today:
                    continue
                a, b = sorted((member.pk, other.pk))
                if (a, b, day) in pairs_seen:
                    continue
                pairs_seen.add((a, b, day))
                one_to_ones.append(
                    OneToOne(
                        chapter=chapter,
                        member_a_id=a,
                        member_b_id=b,
                        date=day,
                        time=dt.time(rng.choice([8, 9, 12, 16]), rng.choice([0, 30])),
                        place=rng.choice(PLACES),
                        status="cancelled" if rng.random() < 0.08 else "done",
                        created_by=member.user,
                    )
                )
            for _ in range(_count(rng, ceu_rate)):
                day = week_start + dt.timedelta(days=rng.randrange(7))
                if member.belongs_on(day) and day <= today:
                    ceus.append(
                        Ceu(
                            chapter=chapter,
                            member=member,
                            date=day,
                            topic=rng.choice(TOPICS),
                            credits=1,
                            created_by=member.user,
                        )
                    )
            if rng.random() < testi:
                day = week_start + dt.timedelta(days=rng.randrange(7))
                other = partner(member, day) if member.belongs_on(day) else None
                if other is not None and day <= today:
                    testimonials.append(
                        Testimonial(
                            chapter=chapter,
                            giver=member,
                            receiver=other,
                            date=day,
                            text=rng.choice(TESTIMONIALS),
                            created_by=member.user,
                        )
                    )

    # Outcomes: older referrals are mostly closed; recent ones still open. A few new ones are
    # left waiting longer than a week, so the inbox and its reminder have something to show.
    history = []
    for referral in referrals:
        age = (today - referral.date).days
        roll = rng.random()
        if age > 42:
            path = ["contacted", rng.choice(["won", "won", "lost", "not_a_fit"])]
            if roll < 0.15:
                path = ["contacted", "meeting_booked"]  # still open, long after
        elif age > 14:
            path = rng.choice(
                [["contacted"], ["contacted", "meeting_booked"], ["contacted", "won"]]
            )
            if roll < 0.2:
                path = []
        else:
            path = rng.choice([[], [], ["contacted"]])
        status, when = "new", referral.date
        for step in path:
            when = min(when + dt.timedelta(days=rng.randrange(2, 10)), today)
            history.append((referral, status, step, when))
            status = step
        referral.status = status
        referral.status_changed_at = _noon(when, chapter) if path else None

    Referral.objects.bulk_create(referrals)
    changes = [
        ReferralStatusChange(
            referral=r, changed_by=r.receiver.user, from_status=f, to_status=t, note=""
        )
        for r, f, t, _ in history
    ]
    ReferralStatusChange.objects.bulk_create(changes)
    for change, (_, _, _, when) in zip(changes, history, strict=True):
        change.changed_at = _noon(when, chapter)
    ReferralStatusChange.objects.bulk_update(changes, ["changed_at"])

    # Thank-yous: most won referrals bring one (sometimes repeat business later).
    for referral in referrals:
        if referral.status != "won" or rng.random() < 0.2:
            continue
        day = min(referral.date + dt.timedelta(days=rng.randrange(10, 40)), today)
        writer, thanked = by_pk[referral.receiver_id], by_pk[referral.giver_id]
        if not (writer.belongs_on(day) and thanked.belongs_on(day)):
            continue
        amount = Decimal(rng.choice([350, 480, 750, 1200, 1850, 2400, 3600, 5200, 8900]))
        tyfcbs.append(
            Tyfcb(
                chapter=chapter,
                writer=writer,
                thanked=thanked,
                referral=referral,
                date=day,
                amount=amount + Decimal(rng.choice(["0", "0.50", "0.99"])),
                business="new",
                created_by=writer.user,
            )
        )
        repeat_day = day + dt.timedelta(days=rng.randrange(30, 80))
        if rng.random() < 0.3 and repeat_day <= today:
            tyfcbs.append(
                Tyfcb(
                    chapter=chapter,
                    writer=writer,
                    thanked=thanked,
                    referral=referral,
                    date=repeat_day,
                    amount=(amount / 2).quantize(Decimal("0.01")),
                    business="repeat",
                    created_by=writer.user,
                )
            )

    # Coming up: 1-2-1s planned for tomorrow and next week, for the dashboard and reminders.
    tomorrow = today + dt.timedelta(days=1)
    for offset, member in enumerate(members[: max(2, len(members) // 2)]):
        day = tomorrow + dt.timedelta(days=7 * (offset % 2))
        other = members[(members.index(member) + 1) % len(members)]
        a, b = sorted((member.pk, other.pk))
        if (a, b, day) in pairs_seen or not (member.belongs_on(day) and other.belongs_on(day)):
            continue
        pairs_seen.add((a, b, day))
        one_to_ones.append(
            OneToOne(
                chapter=chapter,
                member_a_id=a,
                member_b_id=b,
                date=day,
                time=dt.time(8, 30),
                place=rng.choice(PLACES),
                status="planned",
                created_by=member.user,
            )
        )
    # Every member has at least one referral waiting, older than a week.
    for member in members:
        day = today - dt.timedelta(days=rng.randrange(8, 13))
        giver = partner(member, day, active_only=True)
        if giver is None or not member.belongs_on(day):
            continue
        name, company, need = rng.choice(CONTACTS)
        referrals.append(
            Referral.objects.create(
                chapter=chapter,
                giver=giver,
                receiver=member,
                date=day,
                kind="outside",
                contact_name=name,
                contact_company=company,
                need=need,
                temperature=3,
                created_by=giver.user,
            )
        )

    Tyfcb.objects.bulk_create(tyfcbs)
    OneToOne.objects.bulk_create(one_to_ones)
    Ceu.objects.bulk_create(ceus)
    Testimonial.objects.bulk_create(testimonials)
    # Stamp each slip as logged on its own day, as it would have been.
    for model, rows in (
        (Referral, referrals),
        (Tyfcb, tyfcbs),
        (OneToOne, one_to_ones),
        (Ceu, ceus),
        (Testimonial, testimonials),
    ):
        for row in rows:
            row.created_at = row.updated_at = _noon(min(row.date, today), chapter)
        model.objects.bulk_update(rows, ["created_at", "updated_at"], batch_size=500)


#: Someone outside Slipstream whom the demo member thanks: a former member of the chapter,
#: now in a chapter that is not in this Slipstream.
FORMER_MEMBER = ("Gordon Pike", "BNI Summit, Leeds")


@transaction.atomic
def seed_across(chapter: Chapter, neighbour: Chapter) -> None:
    """A few slips across the chapter line, so a newcomer sees them (DOMAIN.md "Beyond the
    chapter"): the demo member (``member@``) passes a referral to the neighbouring chapter's
    login (``hilltop@``), who wins it, thanks them and sends one back, still waiting; the two
    had a 1-2-1; the demo member thanks a former member outside Slipstream; and a thank-you
    from an unknown writer, as BNI Connect exports them, credits the demo member. Safe to call
    again: nothing is added once the first referral across is there."""
    mine = Member.objects.filter(chapter=chapter, user__email="member@demo.slipstream.test")
    theirs = Member.objects.filter(chapter=neighbour, user__email="hilltop@demo.slipstream.test")
    member, other = mine.select_related("user").first(), theirs.select_related("user").first()
    if member is None or other is None:
        return
    if Referral.objects.filter(giver=member, receiver=other).exists():
        return
    today = chapter.today()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    given = Referral(
        chapter=chapter,
        giver=member,
        receiver=other,
        date=ago(40),
        kind="outside",
        contact_name="Rosa Lindgren",
        contact_company="Lindgren Bakery",
        contact_phone="07700 900412",
        need="Solar panels on the bakery roof; nobody in our chapter fits",
        temperature=4,
        told_them_you_would_call=True,
        status="won",
        status_changed_at=_noon(ago(28), chapter),
        created_by=member.user,
    )
    back = Referral(
        chapter=neighbour,
        giver=other,
        receiver=member,
        date=ago(9),
        kind="outside",
        contact_name="Jamal Reed",
        contact_company="Reed Joinery",
        need="A website that shows their work and takes enquiries",
        temperature=3,
        told_them_you_would_call=True,
        created_by=other.user,
    )
    referrals = Referral.objects.bulk_create([given, back])
    changes = ReferralStatusChange.objects.bulk_create(
        [
            ReferralStatusChange(
                referral=given, changed_by=other.user, from_status=frm, to_status=to, note=""
            )
            for frm, to in (("new", "contacted"), ("contacted", "won"))
        ]
    )
    for change, when in zip(changes, (ago(37), ago(28)), strict=True):
        change.changed_at = _noon(when, chapter)
    ReferralStatusChange.objects.bulk_update(changes, ["changed_at"])
    tyfcbs = Tyfcb.objects.bulk_create(
        [
            # The neighbour thanks the demo member for the referral it won.
            Tyfcb(
                chapter=neighbour,
                writer=other,
                thanked=member,
                referral=given,
                date=ago(21),
                amount=Decimal("6400.00"),
                business="new",
                created_by=other.user,
            ),
            # The demo member thanks a former member, outside Slipstream now.
            Tyfcb(
                chapter=chapter,
                writer=member,
                thanked=None,
                other_name=FORMER_MEMBER[0],
                other_chapter_name=FORMER_MEMBER[1],
                date=ago(15),
                amount=Decimal("480.00"),
                business="repeat",
                created_by=member.user,
            ),
            # Someone thanked the demo member, but BNI Connect did not say who.
            Tyfcb(
                chapter=chapter,
                writer=None,
                thanked=member,
                date=ago(25),
                amount=Decimal("950.00"),
                business="new",
            ),
        ]
    )
    one_to_ones = OneToOne.objects.bulk_create(
        [
            OneToOne(
                chapter=chapter,
                member_a_id=min(member.pk, other.pk),
                member_b_id=max(member.pk, other.pk),
                date=ago(33),
                time=dt.time(8, 0),
                place="Hilltop Golf Club",
                status="done",
                created_by=member.user,
            ),
        ]
    )
    for model, rows in ((Referral, referrals), (Tyfcb, tyfcbs), (OneToOne, one_to_ones)):
        for row in rows:
            row.created_at = row.updated_at = _noon(row.date, chapter)
        model.objects.bulk_update(rows, ["created_at", "updated_at"])
