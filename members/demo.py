"""The demo chapter that ``seed_demo`` builds. Idempotent: every row has a natural key.

About thirty members across six contact spheres, a leadership team, one applicant, one
member on leave, one dropped member, two renewals due within 30 days and a pending
invitation. Dates are set relative to the day the demo is first loaded.
"""

import datetime as dt
import secrets

from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import (
    INVITATION_DAYS,
    Chapter,
    Classification,
    ContactSphere,
    Invitation,
    Member,
    MemberStatusChange,
    Region,
    Role,
    hash_token,
)
from .services import add_years

DEMO_PASSWORD = "slipstream-demo"  # noqa: S105 - documented in the README, demo data only
DEMO_CHAPTER = "riverside-demo"

# The people who log in: (label, email, first, last, trade, sphere, roles)
DEMO_PEOPLE = [
    (
        "president",
        "president@demo.slipstream.test",
        "Priya",
        "Shah",
        "Family-law solicitor",
        "Professional services",
        ["president"],
    ),
    (
        "vice-president",
        "vp@demo.slipstream.test",
        "Victor",
        "Okafor",
        "Accountant",
        "Business services",
        ["vice_president"],
    ),
    (
        "member",
        "member@demo.slipstream.test",
        "Mia",
        "Lindqvist",
        "Web developer",
        "Business services",
        [],
    ),
]

# The rest of the chapter: (email local part, first, last, trade, sphere, roles, days ago joined)
CHAPTER_PEOPLE = [
    (
        "sam",
        "Sam",
        "Turner",
        "Insurance broker",
        "Professional services",
        ["secretary_treasurer"],
        690,
    ),
    (
        "mona",
        "Mona",
        "Haddad",
        "Financial adviser",
        "Professional services",
        ["membership_committee"],
        640,
    ),
    (
        "theo",
        "Theo",
        "Grant",
        "Commercial lawyer",
        "Professional services",
        ["membership_committee"],
        600,
    ),
    ("hana", "Hana", "Sato", "Printer", "Business services", ["visitor_host"], 560),
    ("ed", "Ed", "Morris", "IT support", "Business services", ["education_coordinator"], 520),
    ("greta", "Greta", "Novak", "Marketing consultant", "Business services", ["mentor"], 480),
    ("paolo", "Paolo", "Ricci", "Photographer", "Business services", [], 440),
    ("pete", "Pete", "Walsh", "Plumber", "Home", [], 400),
    ("ella", "Ella", "Byrne", "Electrician", "Home", [], 370),
    ("rory", "Rory", "Quinn", "Roofer", "Home", [], 340),
    ("ines", "Ines", "Duarte", "Interior designer", "Home", [], 310),
    ("clara", "Clara", "Hughes", "Cleaning services", "Home", [], 280),
    ("leo", "Leo", "Fischer", "Landscape gardener", "Home", [], 250),
    ("fiona", "Fiona", "Reid", "Physiotherapist", "Health & wellbeing", [], 220),
    ("tariq", "Tariq", "Aziz", "Personal trainer", "Health & wellbeing", [], 200),
    ("dina", "Dina", "Kowalski", "Dentist", "Health & wellbeing", [], 180),
    ("cal", "Cal", "Murphy", "Chiropractor", "Health & wellbeing", [], 160),
    ("cara", "Cara", "Lloyd", "Caterer", "Events & hospitality", [], 140),
    ("flora", "Flora", "Bennett", "Florist", "Events & hospitality", [], 120),
    ("evan", "Evan", "Price", "Event planner", "Events & hospitality", [], 100),
    ("tess", "Tess", "Olsen", "Travel agent", "Events & hospitality", [], 80),
    ("ava", "Ava", "Patel", "Estate agent", "Property & finance", [], 60),
    ("max", "Max", "Weber", "Mortgage broker", "Property & finance", [], 45),
    ("arlo", "Arlo", "Jensen", "Architect", "Property & finance", [], 35),
    ("bill", "Bill", "Carter", "Builder", "Property & finance", [], 14),
]
RENEWING_SOON = {"pete": 12, "cara": 26}  # renewal due in this many days
ON_LEAVE = "dina"
APPLICANT = ("cole", "Cole", "Fraser", "Copywriter", "Business services")
DROPPED = ("dora", "Dora", "Hale", "Printer", "Business services", 700, 240)  # joined, left ago

#: The neighbouring chapter, so the demo shows slips across the chapter line (DOMAIN.md
#: "Beyond the chapter"): a smaller chapter of the same region with trades of its own.
NEIGHBOUR_CHAPTER = "hilltop-demo"
#: Its member who logs in: (label, email, first, last, trade, sphere).
NEIGHBOUR_LOGIN = (
    "member (Hilltop)",
    "hilltop@demo.slipstream.test",
    "Hugo",
    "Brandt",
    "Solar installer",
    "Home",
)
#: The rest of it: (email local part, first, last, trade, sphere, roles, days ago joined).
NEIGHBOUR_PEOPLE = [
    ("nadia", "Nadia", "Farah", "Conveyancer", "Professional services", ["president"], 900),
    ("oscar", "Oscar", "Lund", "Bookkeeper", "Business services", ["vice_president"], 820),
    ("gwen", "Gwen", "Adler", "Locksmith", "Home", [], 610),
    ("ravi", "Ravi", "Menon", "Signmaker", "Business services", [], 540),
    ("june", "June", "Castillo", "Yoga teacher", "Health & wellbeing", [], 470),
    ("felix", "Felix", "Moreau", "Hearing specialist", "Health & wellbeing", [], 430),
    ("lola", "Lola", "Svensson", "Videographer", "Events & hospitality", [], 390),
    ("kofi", "Kofi", "Mensah", "Venue manager", "Events & hospitality", [], 350),
    ("bea", "Bea", "Hartley", "Letting agent", "Property & finance", [], 300),
    ("sven", "Sven", "Dahl", "Surveyor", "Property & finance", [], 250),
    ("ruth", "Ruth", "Okoro", "HR consultant", "Professional services", [], 200),
    ("tom", "Tom", "Fenwick", "Pest control", "Home", [], 90),
]


def seed_demo() -> tuple[Chapter, list[tuple[str, str]]]:
    """Create the demo chapter and logins; returns the chapter and (role, email) pairs."""
    User = get_user_model()
    region, _ = Region.objects.get_or_create(slug="demo-region", defaults={"name": "Demo Region"})
    chapter, _ = Chapter.objects.get_or_create(
        slug=DEMO_CHAPTER,
        defaults={
            "name": "Riverside Demo",
            "region": region,
            "time_zone": "Europe/London",
            "meeting_weekday": Chapter.Weekday.TUESDAY,
            "meeting_time": dt.time(7, 0),
            "venue": "The Old Bank, 1 High Street",
            "city": "Riverford",
        },
    )
    today = chapter.today()
    term = dt.date(2026, 1, 1) if today >= dt.date(2026, 1, 1) else dt.date(today.year, 1, 1)
    logins = []
    for label, email, first, last, trade, sphere_name, roles in DEMO_PEOPLE:
        user = _user(User, email, first, last)
        _seat(
            chapter,
            user,
            trade,
            sphere_name,
            roles,
            term,
            joined_on=dt.date(2024, 3, 5),
            renewal_due=dt.date(2027, 3, 5),
        )
        logins.append((label, email))

    for key, first, last, trade, sphere_name, roles, days in CHAPTER_PEOPLE:
        joined = today - dt.timedelta(days=days)
        renewal = _next_anniversary(joined, today)
        if key in RENEWING_SOON:
            renewal = today + dt.timedelta(days=RENEWING_SOON[key])
        extra = {}
        if key == ON_LEAVE:
            extra = {
                "status": Member.Status.ON_LEAVE,
                "leave_from": today - dt.timedelta(days=14),
                "leave_until": today + dt.timedelta(days=42),
            }
        user = _user(User, f"{key}@demo.slipstream.test", first, last, password=False)
        _seat(
            chapter,
            user,
            trade,
            sphere_name,
            roles,
            term,
            joined_on=joined,
            renewal_due=renewal,
            **extra,
        )
    secretary = User.objects.get(email="sam@demo.slipstream.test")
    if not secretary.has_usable_password():
        secretary.set_password(DEMO_PASSWORD)
        secretary.save(update_fields=["password"])
    logins.append(("secretary", secretary.email))

    key, first, last, trade, sphere_name, joined_ago, left_ago = DROPPED
    joined = today - dt.timedelta(days=joined_ago)
    _seat(
        chapter,
        _user(User, f"{key}@demo.slipstream.test", first, last, password=False),
        trade,
        sphere_name,
        [],
        term,
        joined_on=joined,
        renewal_due=add_years(joined),
        left_on=today - dt.timedelta(days=left_ago),
        status=Member.Status.DROPPED,
    )
    key, first, last, trade, sphere_name = APPLICANT
    _seat(
        chapter,
        _user(User, f"{key}@demo.slipstream.test", first, last, password=False),
        trade,
        sphere_name,
        [],
        term,
        joined_on=today,
        renewal_due=None,
        status=Member.Status.APPLICANT,
    )

    _pending_invitation(chapter, secretary)
    admin = _user(User, "admin@demo.slipstream.test", "Ada", "Admin", is_staff=True)
    logins.append(("staff (admin)", admin.email))
    return chapter, logins


def seed_neighbour() -> tuple[Chapter, list[tuple[str, str]]]:
    """Create the neighbouring demo chapter (Hilltop) and its login; returns the chapter and
    (role, email) pairs. It meets on Thursdays in the same region as the demo chapter."""
    User = get_user_model()
    region, _ = Region.objects.get_or_create(slug="demo-region", defaults={"name": "Demo Region"})
    chapter, _ = Chapter.objects.get_or_create(
        slug=NEIGHBOUR_CHAPTER,
        defaults={
            "name": "Hilltop Demo",
            "region": region,
            "time_zone": "Europe/London",
            "meeting_weekday": Chapter.Weekday.THURSDAY,
            "meeting_time": dt.time(6, 45),
            "venue": "Hilltop Golf Club, Ridge Road",
            "city": "Hillbury",
        },
    )
    today = chapter.today()
    term = dt.date(2026, 1, 1) if today >= dt.date(2026, 1, 1) else dt.date(today.year, 1, 1)
    label, email, first, last, trade, sphere_name = NEIGHBOUR_LOGIN
    joined = today - dt.timedelta(days=500)
    _seat(
        chapter,
        _user(User, email, first, last),
        trade,
        sphere_name,
        [],
        term,
        joined_on=joined,
        renewal_due=_next_anniversary(joined, today),
    )
    for key, first, last, trade, sphere_name, roles, days in NEIGHBOUR_PEOPLE:
        joined = today - dt.timedelta(days=days)
        user = _user(User, f"{key}@hilltop.demo.slipstream.test", first, last, password=False)
        _seat(
            chapter,
            user,
            trade,
            sphere_name,
            roles,
            term,
            joined_on=joined,
            renewal_due=_next_anniversary(joined, today),
        )
    return chapter, [(label, email)]


def _next_anniversary(joined: dt.date, today: dt.date) -> dt.date:
    due = add_years(joined)
    while due <= today:
        due = add_years(due)
    return due


def _seat(
    chapter, user, trade, sphere_name, roles, term, *, status=Member.Status.ACTIVE, **fields
) -> Member:
    sphere, _ = ContactSphere.objects.get_or_create(name=sphere_name)
    classification, _ = Classification.objects.get_or_create(
        name=trade, defaults={"sphere": sphere}
    )
    member, created = Member.objects.get_or_create(
        user=user,
        defaults={
            "chapter": chapter,
            "classification": classification,
            "company": f"{user.last_name} & Co",
            "phone": f"+44 1632 960{user.pk % 1000:03d}",
            "ideal_referral": f"Anyone who needs a good {trade.lower()}: ask me for a coffee.",
            "status": status,
            "status_changed_at": timezone.now(),
            **fields,
        },
    )
    if created:
        MemberStatusChange.objects.create(member=member, to_status=status, note="Demo data.")
    for role in roles:
        Role.objects.get_or_create(member=member, name=role, defaults={"started_on": term})
    return member


def _pending_invitation(chapter: Chapter, inviter) -> None:
    """An invitation waiting for an answer; the admin's "send invitation" emails a fresh link."""
    if Invitation.objects.filter(email__iexact="nora@demo.slipstream.test").exists():
        return
    now = timezone.now()
    sphere, _ = ContactSphere.objects.get_or_create(name="Health & wellbeing")
    trade, _ = Classification.objects.get_or_create(name="Optician", defaults={"sphere": sphere})
    Invitation.objects.create(
        chapter=chapter,
        email="nora@demo.slipstream.test",
        first_name="Nora",
        last_name="Lind",
        classification=trade,
        company="Lind Eyecare",
        invited_by=inviter,
        token_hash=hash_token(secrets.token_urlsafe(32)),
        sent_at=now,
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
    )


def _user(User, email, first, last, *, is_staff=False, password=True):
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "first_name": first,
            "last_name": last,
            "is_staff": is_staff,
            "is_superuser": is_staff,
        },
    )
    if not password:
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user
