"""PALMS, the per-member activity report, exactly as DOMAIN.md defines it.

One grouped query per source (attendance, referrals given, referrals received, visits,
1-2-1s, TYFCB, CEUs, testimonials) plus one for the members: a constant number of queries
whatever the chapter's size or the window's length, and the same code serves one chapter or
a whole region.
"""

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.db.models import Count, Q, Sum

from meetings.models import Attendance, Visit
from members.models import Chapter, Member
from referrals.models import Ceu, OneToOne, Referral, Testimonial, Tyfcb

MARKS = ("P", "A", "L", "M", "S")
COUNT_COLUMNS = (*MARKS, "RGI", "RGO", "RRI", "RRO", "V", "121")
COLUMNS = (*COUNT_COLUMNS, "TYFCB", "CEU", "T")
CSV_HEADER = ("member_email", "member_name", *COLUMNS)
CENT = Decimal("0.01")


@dataclass
class PalmsRow:
    member_id: int
    chapter_id: int
    email: str
    name: str
    values: dict[str, int | Decimal] = field(default_factory=dict)

    def __getitem__(self, column: str) -> int | Decimal:
        return self.values[column]

    def csv_cells(self) -> list[str]:
        cells = [self.email, self.name]
        for column in COLUMNS:
            value = self.values[column]
            cells.append(f"{value:.2f}" if column == "TYFCB" else str(value))
        return cells


def _chapter_ids(chapters: Chapter | Iterable[Chapter] | Iterable[int]) -> list[int]:
    if isinstance(chapters, Chapter):
        return [chapters.pk]
    return [c.pk if isinstance(c, Chapter) else int(c) for c in chapters]


def palms_rows(
    chapters: Chapter | Iterable[Chapter] | Iterable[int],
    start: dt.date,
    end: dt.date,
    *,
    member_ids: Iterable[int] | None = None,
) -> list[PalmsRow]:
    """PALMS rows for ``[start, end]`` (inclusive), sorted by member email.

    A row for every member who belonged on any day of the window (never an applicant);
    each slip counts by its date; TYFCB is credited to the member thanked.
    """
    chapter_ids = _chapter_ids(chapters)
    members = Member.objects.filter(chapter_id__in=chapter_ids).belonging_between(start, end)
    if member_ids is not None:
        members = members.filter(pk__in=list(member_ids))
    rows = {
        m["pk"]: PalmsRow(
            member_id=m["pk"],
            chapter_id=m["chapter_id"],
            email=m["user__email"],
            name=f"{m['user__first_name']} {m['user__last_name']}".strip(),
            values={c: 0 for c in COUNT_COLUMNS} | {"TYFCB": Decimal("0.00"), "CEU": 0, "T": 0},
        )
        for m in members.values(
            "pk", "chapter_id", "user__email", "user__first_name", "user__last_name"
        )
    }
    if not rows:
        return []
    in_window = {"date__gte": start, "date__lte": end, "chapter_id__in": chapter_ids}

    def add(queryset, key: str, columns: dict[str, str]) -> None:
        for record in queryset:
            row = rows.get(record[key])
            if row is None:
                continue
            for column, alias in columns.items():
                row.values[column] += record[alias] or 0

    add(
        Attendance.objects.filter(
            meeting__chapter_id__in=chapter_ids,
            meeting__cancelled=False,
            meeting__date__gte=start,
            meeting__date__lte=end,
        )
        .values("member_id")
        .annotate(**{f"n{mark}": Count("pk", filter=Q(mark=mark)) for mark in MARKS}),
        "member_id",
        {mark: f"n{mark}" for mark in MARKS},
    )
    inside, outside = Q(kind=Referral.Kind.INSIDE), Q(kind=Referral.Kind.OUTSIDE)
    add(
        Referral.objects.filter(**in_window)
        .values("giver_id")
        .annotate(ins=Count("pk", filter=inside), outs=Count("pk", filter=outside)),
        "giver_id",
        {"RGI": "ins", "RGO": "outs"},
    )
    add(
        Referral.objects.filter(**in_window)
        .values("receiver_id")
        .annotate(ins=Count("pk", filter=inside), outs=Count("pk", filter=outside)),
        "receiver_id",
        {"RRI": "ins", "RRO": "outs"},
    )
    add(
        Visit.objects.filter(
            attended=True,
            meeting__chapter_id__in=chapter_ids,
            meeting__cancelled=False,
            meeting__date__gte=start,
            meeting__date__lte=end,
        )
        .values("invited_by_id")
        .annotate(n=Count("pk")),
        "invited_by_id",
        {"V": "n"},
    )
    done = OneToOne.objects.filter(status=OneToOne.Status.DONE, **in_window)
    for side in ("member_a_id", "member_b_id"):
        add(done.values(side).annotate(n=Count("pk")), side, {"121": "n"})
    add(
        Tyfcb.objects.filter(**in_window).values("thanked_id").annotate(total=Sum("amount")),
        "thanked_id",
        {"TYFCB": "total"},
    )
    add(
        Ceu.objects.filter(**in_window).values("member_id").annotate(n=Sum("credits")),
        "member_id",
        {"CEU": "n"},
    )
    add(
        Testimonial.objects.filter(**in_window).values("giver_id").annotate(n=Count("pk")),
        "giver_id",
        {"T": "n"},
    )
    for row in rows.values():
        row.values["TYFCB"] = Decimal(row.values["TYFCB"]).quantize(CENT)
    return sorted(rows.values(), key=lambda r: (r.email, r.member_id))


def palms_totals(rows: Iterable[PalmsRow]) -> dict[str, int | Decimal]:
    totals: dict[str, int | Decimal] = {c: 0 for c in COLUMNS}
    totals["TYFCB"] = Decimal("0.00")
    for row in rows:
        for column in COLUMNS:
            totals[column] += row.values[column]
    return totals


def safe_cell(value: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula (=, +, -, @, tab, CR)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def write_palms_csv(rows: Iterable[PalmsRow], out: IO[str]) -> None:
    """The PALMS CSV: the exact DOMAIN.md header, one line per row, ``\\n`` line endings."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        cells = row.csv_cells()
        writer.writerow([safe_cell(cells[0]), safe_cell(cells[1]), *cells[2:]])
