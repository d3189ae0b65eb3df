"""A member's own data as one JSON document ("download my data").

Only what names the member: their card, roles, status history, attendance and the slips in
which they are a party. TYFCB amounts appear only on slips they wrote or were thanked in,
which are the only TYFCB slips that name them. Other apps' models are looked up by name so
``members`` keeps depending on nothing above it.
"""

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from .models import Member, MemberStatusChange, Role


def _plain(value):
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def _rows(queryset, fields: list[str]) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in queryset.values(*fields)]


#: A slip's party outside Slipstream (a visitor, a former member, BNI): an email column is
#: empty where it stands. A thank-you with neither a writer's email nor a name has an
#: unknown writer.
OUTSIDE = ("other_name", "other_chapter_name")


def member_data(member: Member) -> dict:
    """Everything about ``member`` that Slipstream stores, as plain JSON-ready values."""
    model = apps.get_model
    user = member.user
    slips = {
        "referrals": _rows(
            model("referrals", "Referral")
            .objects.filter(Q(giver=member) | Q(receiver=member))
            .order_by("date", "pk"),
            [
                "pk",
                "date",
                "giver__user__email",
                "receiver__user__email",
                *OUTSIDE,
                "kind",
                "temperature",
                "status",
                "contact_name",
                "contact_phone",
                "contact_email",
                "contact_company",
                "need",
            ],
        ),
        "tyfcbs": _rows(
            model("referrals", "Tyfcb")
            .objects.filter(Q(writer=member) | Q(thanked=member))
            .order_by("date", "pk"),
            [
                "pk",
                "date",
                "writer__user__email",
                "thanked__user__email",
                *OUTSIDE,
                "amount",
                "business",
            ],
        ),
        "one_to_ones": _rows(
            model("referrals", "OneToOne")
            .objects.filter(Q(member_a=member) | Q(member_b=member))
            .order_by("date", "pk"),
            [
                "pk",
                "date",
                "time",
                "place",
                "status",
                "member_a__user__email",
                "member_b__user__email",
                *OUTSIDE,
            ],
        ),
        "ceus": _rows(
            model("referrals", "Ceu").objects.filter(member=member).order_by("date", "pk"),
            ["pk", "date", "topic", "credits"],
        ),
        "testimonials": _rows(
            model("referrals", "Testimonial")
            .objects.filter(Q(giver=member) | Q(receiver=member))
            .order_by("date", "pk"),
            ["pk", "date", "giver__user__email", "receiver__user__email", "text"],
        ),
    }
    return {
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "chapter": member.chapter.name,
            "classification": member.classification.name,
            "company": member.company,
            "phone": member.phone,
            "website": member.website,
            "ideal_referral": member.ideal_referral,
            "status": member.status,
            "joined_on": _plain(member.joined_on),
            "left_on": _plain(member.left_on),
            "renewal_due": _plain(member.renewal_due),
            "sponsor": member.sponsor.full_name if member.sponsor_id else None,
        },
        "roles": _rows(Role.objects.filter(member=member), ["name", "started_on", "ended_on"]),
        "status_history": _rows(
            MemberStatusChange.objects.filter(member=member).order_by("changed_at"),
            ["changed_at", "from_status", "to_status", "note"],
        ),
        "attendance": _rows(
            model("meetings", "Attendance").objects.filter(member=member).order_by("meeting__date"),
            ["meeting__date", "mark", "substitute_name"],
        ),
        **slips,
    }
