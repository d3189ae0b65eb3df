"""The demo chapter that ``seed_demo`` builds. Idempotent: every row has a natural key."""

from django.contrib.auth import get_user_model

DEMO_PASSWORD = "slipstream-demo"  # noqa: S105 - documented in the README, demo data only

DEMO_USERS = [
    ("president", "president@demo.slipstream.test", "Priya", "Shah", {}),
    ("vice-president", "vp@demo.slipstream.test", "Victor", "Okafor", {}),
    ("member", "member@demo.slipstream.test", "Mia", "Lindqvist", {}),
    (
        "staff (admin)",
        "admin@demo.slipstream.test",
        "Ada",
        "Admin",
        {"is_staff": True, "is_superuser": True},
    ),
]


def seed_demo() -> list[tuple[str, str]]:
    """Create the demo logins; returns (role, email) pairs for the command to print."""
    User = get_user_model()
    logins = []
    for role, email, first, last, flags in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first, "last_name": last, **flags}
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        logins.append((role, email))
    return logins
