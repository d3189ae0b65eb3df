"""``manage.py palms SLUG --from YYYY-MM-DD --to YYYY-MM-DD``: PALMS as CSV on stdout.

``--bni`` prints the chapter's BNI Connect snapshot for that window instead, and
``--compare`` the cells where Slipstream's own PALMS differs from it (DOMAIN.md)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from members.csvsafe import SafeWriter
from members.models import Chapter
from reports.bni import COMPARE_HEADER, differences, snapshot_for, snapshot_rows
from reports.models import BniSnapshot
from reports.palms import palms_rows, write_palms_csv


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Print a chapter's PALMS report for a date window as CSV (rows sorted by email)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The chapter's slug, or 'all' for every chapter.")
        parser.add_argument("--from", dest="start", required=True, type=iso_date)
        parser.add_argument("--to", dest="end", required=True, type=iso_date)
        shown = parser.add_mutually_exclusive_group()
        shown.add_argument(
            "--bni", action="store_true", help="Print the BNI Connect snapshot for the window."
        )
        shown.add_argument(
            "--compare",
            action="store_true",
            help="Print each cell where Slipstream's PALMS differs from the BNI snapshot.",
        )

    def handle(self, *args, slug, start, end, bni=False, compare=False, **options):
        if end < start:
            raise CommandError("--to is before --from")
        if bni or compare:
            self._bni(slug, start, end, compare=compare)
            return
        if slug == "all":
            chapters = list(Chapter.objects.values_list("pk", flat=True))
        else:
            try:
                chapters = [Chapter.objects.get(slug=slug)]
            except Chapter.DoesNotExist:
                raise CommandError(f"No chapter with slug {slug!r}") from None
        write_palms_csv(palms_rows(chapters, start, end), self.stdout)

    def _bni(self, slug: str, start, end, *, compare: bool) -> None:
        chapter = Chapter.objects.filter(slug=slug).first()
        if chapter is None:
            raise CommandError(f"No chapter with slug {slug!r}")
        snapshot = snapshot_for(chapter, start, end)
        if snapshot is None:
            windows = [f"{s.start} – {s.end}" for s in BniSnapshot.objects.filter(chapter=chapter)]
            known = f"; it has: {', '.join(windows)}" if windows else "; import one with import_bni"
            raise CommandError(f"{slug} has no BNI snapshot for {start} – {end}{known}")
        if not compare:
            write_palms_csv(snapshot_rows(snapshot), self.stdout)
            return
        writer = SafeWriter(self.stdout, lineterminator="\n")
        writer.writerow(COMPARE_HEADER)
        for difference in differences(snapshot):
            writer.writerow(difference.csv_cells())
