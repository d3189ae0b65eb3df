"""``manage.py import_chapter SLUG DIR``: load a chapter's CSV files, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members.importing import ImportFailed, discover, import_directory
from members.models import Chapter, validate_time_zone

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class Command(BaseCommand):
    help = (
        "Import a chapter from a directory of CSV files (roster.csv, attendance.csv, …). "
        "On any bad row nothing is stored and every problem is printed as file.csv:LINE: message."
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
        if not any((directory / f).is_file() for f in known):
            raise CommandError(f"{directory} holds none of: {', '.join(known)}")
        try:
            validate_time_zone(time_zone)
        except Exception as exc:
            raise CommandError(str(exc.message if hasattr(exc, "message") else exc)) from None
        try:
            with transaction.atomic():
                chapter, created = Chapter.objects.get_or_create(
                    slug=slug,
                    defaults={
                        "name": name or slug.replace("-", " ").title(),
                        "time_zone": time_zone,
                        "meeting_weekday": WEEKDAYS.index(weekday),
                    },
                )
                counts = import_directory(chapter, directory)
        except ImportFailed as failed:
            for problem in failed.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(failed.problems)} problem(s); nothing was imported."
            ) from None
        self.stdout.write(f"{'Created' if created else 'Updated'} chapter {chapter.slug}.")
        for key in sorted(counts):
            self.stdout.write(f"  {key}: {counts[key]}")
