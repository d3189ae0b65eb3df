"""``manage.py palms SLUG --from YYYY-MM-DD --to YYYY-MM-DD``: PALMS as CSV on stdout."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from members.models import Chapter
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

    def handle(self, *args, slug, start, end, **options):
        if end < start:
            raise CommandError("--to is before --from")
        if slug == "all":
            chapters = list(Chapter.objects.values_list("pk", flat=True))
        else:
            try:
                chapters = [Chapter.objects.get(slug=slug)]
            except Chapter.DoesNotExist:
                raise CommandError(f"No chapter with slug {slug!r}") from None
        write_palms_csv(palms_rows(chapters, start, end), self.stdout)
