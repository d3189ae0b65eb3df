"""The demo chapter that ``seed_demo`` builds. Idempotent: every row has a natural key."""

import datetime as dt

from django.contrib.auth import get_user_model

from .models import Chapter, Classification, ContactSphere, Member, Region, Role

DEMO_PASSWORD = "slipstream-demo"  # noqa: S105 - documented in the README, demo data only
DEMO_CHAPTER = "riverside-demo"

# (label, email, first, last, trade, sphere, roles)
DEMO_PEOPLE = [
    ("president", "president@demo.slipstream.test", "Priya", "Shah", "Family-law solicitor",
     "Professional services", ["president"]),
    ("vice-president", "vp@demo.slipstream.test", "Victor", "Okafor", "Accountant",
     "Business services", ["vice_president"]),
    ("member", "member@demo.slipstream.test", "Mia", "Lindqvist", "Web developer",
     "Business services", []),
]  # fmt: skip


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
        },
    )
    logins = []
    for label, email, first, last, trade, sphere_name, roles in DEMO_PEOPLE:
        user = _user(User, email, first, last)
        sphere, _ = ContactSphere.objects.get_or_create(name=sphere_name)
        classification, _ = Classification.objects.get_or_create(
            name=trade, defaults={"sphere": sphere}
        )
        member, _ = Member.objects.get_or_create(
            user=user,
            defaults={
                "chapter": chapter,
                "classification": classification,
                "company": f"{last} & Co",
                "joined_on": dt.date(2024, 3, 5),
                "renewal_due": dt.date(2027, 3, 5),
                "status": Member.Status.ACTIVE,
            },
        )
        for role in roles:
            Role.objects.get_or_create(member=member, name=role, started_on=dt.date(2026, 1, 1))
        logins.append((label, email))
    admin = _user(User, "admin@demo.slipstream.test", "Ada", "Admin", is_staff=True)
    logins.append(("staff (admin)", admin.email))
    return chapter, logins


def _user(User, email, first, last, *, is_staff=False):
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"first_name": first, "last_name": last, "is_staff": is_staff,
                  "is_superuser": is_staff},
    )  # fmt: skip
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user
