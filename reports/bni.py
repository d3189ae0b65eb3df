"""A chapter's BNI Connect snapshot beside Slipstream's own PALMS (DOMAIN.md: ``palms --bni``
and ``--compare``): the numbers a chapter brought with it, and every cell where ours differ."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from members.models import Chapter

from .models import BniSnapshot, BniSnapshotRow
from .palms import COLUMNS, PalmsRow, palms_rows

COMPARE_HEADER = ("member_email", "member_name", "column", "bni", "slipstream")


def snapshot_for(chapter: Chapter, start: dt.date, end: dt.date) -> BniSnapshot | None:
    return BniSnapshot.objects.filter(chapter=chapter, start=start, end=end).first()


def snapshot_rows(snapshot: BniSnapshot) -> list[PalmsRow]:
    """The snapshot as PALMS rows (its members only), sorted by email as PALMS is."""
    rows = [
        PalmsRow(
            member_id=row.member_id,
            chapter_id=snapshot.chapter_id,
            email=row.member.user.email,
            name=f"{row.member.user.first_name} {row.member.user.last_name}".strip(),
            values=row.values(),
        )
        for row in BniSnapshotRow.objects.filter(snapshot=snapshot).select_related("member__user")
    ]
    return sorted(rows, key=lambda r: (r.email, r.member_id))


@dataclass
class Difference:
    email: str
    name: str
    column: str
    bni: int | Decimal | None
    slipstream: int | Decimal | None

    def csv_cells(self) -> list[str]:
        def cell(value) -> str:
            if value is None:
                return ""
            return f"{value:.2f}" if self.column == "TYFCB" else str(value)

        return [self.email, self.name, self.column, cell(self.bni), cell(self.slipstream)]


@dataclass
class ComparedRow:
    """One member's line in both reports, and which of its cells differ."""

    email: str
    name: str
    bni: dict | None
    slipstream: dict | None

    @property
    def cells(self) -> list[dict]:
        return [
            {
                "column": c,
                "bni": None if self.bni is None else self.bni[c],
                "slipstream": None if self.slipstream is None else self.slipstream[c],
                "differs": self.bni is None
                or self.slipstream is None
                or self.bni[c] != self.slipstream[c],
            }
            for c in COLUMNS
        ]

    @property
    def differences(self) -> int:
        return sum(cell["differs"] for cell in self.cells)


def compared(snapshot: BniSnapshot) -> list[ComparedRow]:
    """Every member in either report, the snapshot's numbers beside Slipstream's own count
    for the same window."""
    ours = {r.member_id: r for r in palms_rows(snapshot.chapter, snapshot.start, snapshot.end)}
    theirs = {r.member_id: r for r in snapshot_rows(snapshot)}
    rows = []
    for member_id in ours.keys() | theirs.keys():
        seen = ours.get(member_id) or theirs[member_id]
        rows.append(
            ComparedRow(
                email=seen.email,
                name=seen.name,
                bni=theirs[member_id].values if member_id in theirs else None,
                slipstream=ours[member_id].values if member_id in ours else None,
            )
        )
    return sorted(rows, key=lambda r: r.email)


def differences(snapshot: BniSnapshot) -> list[Difference]:
    """The cells where Slipstream's PALMS differs from the snapshot, row by row."""
    return [
        Difference(row.email, row.name, cell["column"], cell["bni"], cell["slipstream"])
        for row in compared(snapshot)
        for cell in row.cells
        if cell["differs"]
    ]
