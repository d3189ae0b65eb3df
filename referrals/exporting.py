"""A chapter's slips as the CSV files ``import_chapter`` reads (DOMAIN.md "File formats").

A chapter's files hold every slip that links one of its members or was logged in it, so a
slip across the chapter line is in the files of both chapters; importing both stores it once
(the natural keys find it). The other party is an email, of a member of this chapter or of
another, or, for someone outside Slipstream, ``other_name`` and ``other_chapter`` beside an
empty email. Rows are sorted by their text, never by ids, so a chapter exported, imported into
an empty chapter and exported again gives the same files byte for byte.
"""

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.db import models
from django.db.models import Q

from members.csvsafe import SafeWriter
from members.exporting import roster_csv
from members.models import Chapter, Member

from .models import Ceu, OneToOne, Referral, Slip, Testimonial, Tyfcb

OUTSIDE_COLUMNS = ("other_name", "other_chapter")
REFERRAL_COLUMNS = (
    "date",
    "giver_email",
    "receiver_email",
    "kind",
    "contact_name",
    "contact_phone",
    "contact_email",
    "temperature",
    "status",
    *OUTSIDE_COLUMNS,
)
TYFCB_COLUMNS = ("date", "from_email", "to_email", "amount", "business", *OUTSIDE_COLUMNS)
ONE_TO_ONE_COLUMNS = ("date", "member_a_email", "member_b_email", "status", *OUTSIDE_COLUMNS)
CEU_COLUMNS = ("date", "member_email", "credits", "topic")
TESTIMONIAL_COLUMNS = ("date", "giver_email", "receiver_email", "text")


def chapter_slips(model: type[Slip], chapter_id: int, member_ids: list[int]) -> models.QuerySet:
    """The slips of ``model`` a chapter's files hold: logged in it, or linking one of its
    members (``member_ids``) on any side. Ids rather than a join, so each condition is read
    from its own index (``chapter, date``; ``giver, date``; …) whatever the size of the table."""
    condition = Q(chapter_id=chapter_id)
    if member_ids:
        for name in model.parties:
            condition |= Q(**{f"{name}_id__in": member_ids})
    return model.objects.filter(condition)


def _cell(value) -> str:
    """A value as the files write it: dates ISO, amounts with two decimals, nothing empty."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _rows(*fields: str) -> Callable[[models.QuerySet, int], list[list[str]]]:
    """Rows of these fields (emails by ``…__user__email``), one per slip."""

    def rows(slips: models.QuerySet, chapter_id: int) -> list[list[str]]:
        return [[_cell(value) for value in values] for values in slips.values_list(*fields)]

    return rows


def _one_to_ones(slips: models.QuerySet, chapter_id: int) -> list[list[str]]:
    """The pair is stored in id order; the file puts the chapter's own member first (then by
    email), an order that survives an import into another chapter, whose ids differ."""
    rows = []
    for day, a, a_chapter, b, b_chapter, status, other, other_chapter in slips.values_list(
        "date",
        "member_a__user__email",
        "member_a__chapter_id",
        "member_b__user__email",
        "member_b__chapter_id",
        "status",
        "other_name",
        "other_chapter_name",
    ):
        pair = [(a_chapter != chapter_id, a)]
        if b is not None:  # else someone outside Slipstream: their email stays empty
            pair.append((b_chapter != chapter_id, b))
        first, second, *_ = [email for _, email in sorted(pair)] + [""]
        rows.append([_cell(day), first, second, status, other, other_chapter])
    return rows


#: Each slip file: its name, columns, model and rows.
FILES: list[tuple[str, tuple[str, ...], type[Slip], Callable]] = [
    (
        "referrals.csv",
        REFERRAL_COLUMNS,
        Referral,
        _rows(
            "date",
            "giver__user__email",
            "receiver__user__email",
            "kind",
            "contact_name",
            "contact_phone",
            "contact_email",
            "temperature",
            "status",
            "other_name",
            "other_chapter_name",
        ),
    ),
    (
        "tyfcb.csv",
        TYFCB_COLUMNS,
        Tyfcb,
        _rows(
            "date",
            "writer__user__email",
            "thanked__user__email",
            "amount",
            "business",
            "other_name",
            "other_chapter_name",
        ),
    ),
    ("one_to_ones.csv", ONE_TO_ONE_COLUMNS, OneToOne, _one_to_ones),
    ("ceus.csv", CEU_COLUMNS, Ceu, _rows("date", "member__user__email", "credits", "topic")),
    (
        "testimonials.csv",
        TESTIMONIAL_COLUMNS,
        Testimonial,
        _rows("date", "giver__user__email", "receiver__user__email", "text"),
    ),
]


def slip_files(chapter: Chapter) -> dict[str, str]:
    """Each slip file's text for ``chapter``, by file name."""
    member_ids = list(Member.objects.filter(chapter=chapter).values_list("pk", flat=True))
    files = {}
    for name, columns, model, rows in FILES:
        slips = chapter_slips(model, chapter.pk, member_ids)
        if model is Referral:
            # A referral a BNI Connect slips audit recorded as given to someone outside
            # Slipstream has no receiver to write: ``import_bni`` brings those from the audit.
            slips = slips.filter(receiver__isnull=False)
        out = io.StringIO()
        writer = SafeWriter(out)
        writer.writerow(columns)
        writer.writerows(sorted(rows(slips, chapter.pk)))
        files[name] = out.getvalue()
    return files


def export_chapter(chapter: Chapter, directory: Path) -> list[str]:
    """Write the chapter's ``roster.csv`` and slip files into ``directory`` (made if missing);
    returns the names written. ``import_chapter`` reads them back."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {"roster.csv": roster_csv(chapter), **slip_files(chapter)}
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8", newline="")
    return list(files)
