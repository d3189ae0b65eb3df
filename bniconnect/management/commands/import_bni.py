"""``manage.py import_bni SLUG FILE… [--date] [--from --to] [--aliases FILE] [--dry-run]``."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bniconnect.services import Report, import_bni, read_aliases
from members.importing import Limits, shown_problems
from members.models import Chapter


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Import BNI Connect exports (PALMS Summary, Slips Audit, chapter roster; .xls, .xlsx "
        "or CSV, told apart by content) into a chapter, all or nothing. Every problem is "
        "printed as FILE:ROW: message."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The chapter's slug (created if it does not exist).")
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--date", type=iso_date, help="The day a slips audit's slips belong to."
        )
        parser.add_argument("--from", dest="start", type=iso_date, help="A PALMS summary's window.")
        parser.add_argument("--to", dest="end", type=iso_date)
        parser.add_argument(
            "--aliases", type=Path, help="CSV of bni_name,member_email (or outside)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Show, store nothing.")
        parser.add_argument("--name", help="The chapter's name, if it is created.")

    def handle(self, *args, slug, files, date, start, end, aliases, dry_run, name, **options):
        if (start is None) != (end is None):
            raise CommandError("give both --from and --to, or neither")
        if start and end and end < start:
            raise CommandError("--to is before --from")
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        progress = self._show_progress if self.stdout.isatty() else None
        name = name or slug.replace("-", " ").title()
        refused = Limits(Chapter, {"name": "--name"}).problem({"slug": slug, "name": name})
        if refused:
            raise CommandError(f"the chapter's {refused}")
        with transaction.atomic():
            chapter, created = Chapter.objects.get_or_create(slug=slug, defaults={"name": name})
            alias_map, problems = read_aliases(aliases, chapter) if aliases else ({}, [])
            report = import_bni(
                chapter,
                files,
                date=date,
                start=start,
                end=end,
                aliases=alias_map,
                dry_run=dry_run,
                progress=progress,
            )
            report.problems[:0] = problems
            if not report.ok or dry_run:
                transaction.set_rollback(True)
        if not report.ok:
            for problem in shown_problems(report.problems):
                self.stderr.write(problem)
            raise CommandError(f"{len(report.problems):,} problem(s); nothing was imported.")
        self._summary(report, created)

    def _show_progress(self, filename: str, done: int, expected: int) -> None:
        width = 30
        bar = "#" * round(width * done / expected) if expected else "#" * width
        self.stdout.write(
            f"\r{filename[-28:]:<28} [{bar:<{width}}] {done:>7,}/{expected:,} rows",
            ending="\n" if done >= expected else "",
        )
        self.stdout.flush()

    def _summary(self, report: Report, created: bool) -> None:
        verb = "Would store" if report.dry_run else "Stored"
        if created and not report.dry_run:
            self.stdout.write(f"Created chapter {report.chapter.slug}.")
        for outcome in report.files:
            self.stdout.write(f"{outcome.name} ({outcome.kind}):")
            for line in outcome.lines:
                self.stdout.write(f"  {verb.lower()} {line}")
        self.stdout.write(f"Members matched: {len(set(report.matched.values()))}")
        for bni_name, member in sorted(report.matched.items()):
            if " ".join(bni_name.split()).casefold() != member.full_name.casefold():
                self.stdout.write(f"  {bni_name} → {member.full_name} ({member.email})")
        if report.outside:
            self.stdout.write(f"Outside the chapter (kept as names): {len(report.outside)}")
        for note in report.notes:
            self.stdout.write(f"Note: {note}")
        if report.dry_run:
            self.stdout.write("Dry run: nothing was stored.")
