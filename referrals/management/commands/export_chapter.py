"""``manage.py export_chapter SLUG DIR``: a chapter's roster and slips as import files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from members.models import Chapter
from referrals.exporting import export_chapter


class Command(BaseCommand):
    help = (
        "Write a chapter's roster.csv and slip files (referrals.csv, tyfcb.csv, "
        "one_to_ones.csv, ceus.csv, testimonials.csv) into DIR, as import_chapter reads them."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("directory", type=Path)

    def handle(self, *args, slug, directory, **options):
        chapter = Chapter.objects.filter(slug=slug).first()
        if chapter is None:
            raise CommandError(f"There is no chapter {slug!r}.")
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        for name in export_chapter(chapter, directory):
            self.stdout.write(f"  {directory / name}")
