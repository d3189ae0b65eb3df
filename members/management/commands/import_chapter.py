"""``manage.py import_chapter SLUG DIR``: load a chapter's CSV files, all or nothing."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members.importing import (
    PROBLEMS_SHOWN,
    ImportFailed,
    Limits,
    Progress,
    discover,
    import_directory,
    shown_problems,
)
from members.models import Chapter, validate_time_zone

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
OUTCOMES = ("created", "updated", "unchanged")


class Command(BaseCommand):
    help = (
        "Import a chapter from a directory of CSV files (roster.csv, attendance.csv, …). "
        "On any bad row nothing is stored and the problems are printed as file.csv:LINE: message "
        f"(the first {PROBLEMS_SHOWN}, then how many more)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("directory", type=Path)
        parser.add_argument("--name", help="Chapter name, if the chapter is created.")
        parser.add_argument("--time-zone", default="Europe/London")
        parser.add_argument("--weekday", choices=WEEKDAYS, default="tuesday")

    def handle(self, *args, slug, directory, name, time_zone, weekday, **options):
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        known = [cls.filename for cls in discover()]
        present = [f for f in known if (directory / f).is_file()]
        if not present:
            raise CommandError(f"{directory} holds none of: {', '.join(known)}")
        try:
            validate_time_zone(time_zone)
        except Exception as exc:
            raise CommandError(str(exc.message if hasattr(exc, "message") else exc)) from None
        name = name or slug.replace("-", " ").title()
        refused = Limits(Chapter, {"name": "--name"}).problem({"slug": slug, "name": name})
        if refused:
            raise CommandError(f"the chapter's {refused}")
        # A progress bar only for a person watching: nothing when stdout is a pipe or a file.
        progress = Progress(self._show_progress) if self.stdout.isatty() else None
        started = time.perf_counter()
        try:
            with transaction.atomic():
                chapter, created = Chapter.objects.get_or_create(
                    slug=slug,
                    defaults={
                        "name": name,
                        "time_zone": time_zone,
                        "meeting_weekday": WEEKDAYS.index(weekday),
                    },
                )
                counts = import_directory(chapter, directory, progress=progress)
        except ImportFailed as failed:
            for problem in shown_problems(failed.problems):
                self.stderr.write(problem)
            raise CommandError(
                f"{len(failed.problems):,} problem(s); nothing was imported."
            ) from None
        seconds = time.perf_counter() - started
        self._summary(chapter, created, present, counts, seconds)

    def _show_progress(self, filename: str, done: int, expected: int) -> None:
        width = 30
        share = min(done / expected, 1.0) if expected else 1.0
        bar = "#" * round(share * width)
        self.stdout.write(
            f"\r{filename:<18} [{bar:<{width}}] {done:>9,}/{expected:,} rows",
            ending="\n" if done >= expected else "",
        )
        self.stdout.flush()

    def _summary(self, chapter, created, files, counts, seconds) -> None:
        """One line per file: how many rows were created, updated and left unchanged."""
        self.stdout.write(f"{'Created' if created else 'Updated'} chapter {chapter.slug}.")
        totals = dict.fromkeys(OUTCOMES, 0)
        for filename in files:
            cells = []
            for outcome in OUTCOMES:
                count = counts.get(f"{filename} {outcome}", 0)
                totals[outcome] += count
                cells.append(f"{count:,} {outcome}")
            self.stdout.write(f"  {filename}: {', '.join(cells)}")
        rows = sum(totals.values())
        self.stdout.write(f"  total: {', '.join(f'{totals[o]:,} {o}' for o in OUTCOMES)}")
        rate = f", {rows / seconds:,.0f} rows/s" if seconds > 0 else ""
        self.stdout.write(f"{rows:,} rows in {seconds:.1f} s{rate}.")
