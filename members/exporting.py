"""The roster as CSV, in the ``roster.csv`` format of DOMAIN.md (what the importer reads)."""

import io

from django.db.models import Prefetch

from .csvsafe import SafeWriter
from .models import Chapter, Member, Role

ROSTER_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "company",
    "classification",
    "phone",
    "joined_on",
    "left_on",
    "renewal_due",
    "status",
    "roles",
)


def _date(value) -> str:
    return value.isoformat() if value else ""


def roster_rows(members, on=None) -> list[list[str]]:
    """One row per member, sorted by email; ``roles`` are those held on ``on`` (today)."""
    members = members.select_related("user", "classification", "chapter").prefetch_related(
        Prefetch("roles", queryset=Role.objects.current(on), to_attr="held_roles")
    )
    rows = []
    for m in members:
        rows.append(
            [
                m.user.email.lower(),
                m.user.first_name,
                m.user.last_name,
                m.company,
                m.classification.name,
                m.phone,
                _date(m.joined_on),
                _date(m.left_on),
                _date(m.renewal_due),
                m.status,
                ";".join(sorted({r.name for r in m.held_roles})),
            ]
        )
    return sorted(rows, key=lambda row: row[0])


def write_roster(members, on=None) -> str:
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(ROSTER_COLUMNS)
    writer.writerows(roster_rows(members, on))
    return out.getvalue()


def roster_csv(chapter: Chapter) -> str:
    """Every member of ``chapter`` (dropped and applicants included), ready to re-import."""
    return write_roster(Member.objects.filter(chapter=chapter), on=chapter.today())
